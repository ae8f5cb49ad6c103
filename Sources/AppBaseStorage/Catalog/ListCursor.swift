import AppBaseCore

/// The keyset position of a file list: the (name, id) of the last item sent.
///
/// Sent to clients as opaque lowercase hex of `id` (36 bytes) followed by the name's UTF-8, so it
/// survives any URL untouched. Decoding is strict; anything else is 400 `invalid_cursor`.
struct ListCursor: Sendable, Equatable {
    var name: String
    var id: String

    /// A file id (36) plus a name (at most 255 bytes), hex-encoded.
    static let maxEncodedLength = 2 * (36 + 255)

    var encoded: String {
        ASCII.lowercaseHex(Array(id.utf8) + Array(name.utf8))
    }

    init(name: String, id: String) {
        self.name = name
        self.id = id
    }

    /// - Throws: 400 `invalid_cursor`.
    init(decoding text: String) throws(AppBaseError) {
        let invalid = AppBaseError(status: 400, code: .invalidCursor, message: "The cursor is not valid.")
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0, digits.count <= Self.maxEncodedLength, digits.count > 72 else { throw invalid }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { throw invalid }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard let id = String(validating: bytes[..<36], as: UTF8.self), Identifier.isUUID(id),
              let name = String(validating: bytes[36...], as: UTF8.self) else { throw invalid }
        self.id = id
        self.name = name
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
