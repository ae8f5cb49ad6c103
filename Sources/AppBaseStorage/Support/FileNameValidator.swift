/// Validates a client-supplied file name (from a multipart `filename` or a JSON field).
///
/// Names are only stored and echoed back (on-disk names are server-generated ids), so path
/// syntax such as `/` or `..` is allowed; but a name must be text a user can see:
/// - Leading and trailing whitespace (Unicode `White_Space`) is trimmed; the result must be
///   non-empty and at most `maxBytes` bytes of UTF-8.
/// - Control characters are rejected: C0 (U+0000–U+001F, including NUL, tab, CR, LF), DEL
///   and C1 (U+007F–U+009F), and the bidirectional embedding/override/isolate controls
///   (U+202A–U+202E, U+2066–U+2069) used to disguise extensions (`exe.txt` shown for `txt.exe`).
/// - Raw bytes must be valid UTF-8 (`validate(utf8:)`); a `String` always is.
/// No Unicode normalization is applied (the standard library exposes none without Foundation).
public enum FileNameValidator {
    /// The largest accepted name, in UTF-8 bytes (after trimming).
    public static let maxBytes = 255

    /// Why a file name was rejected.
    public enum ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The name is empty or only whitespace.
        case empty
        /// The trimmed name is longer than the limit (both in bytes).
        case tooLong(bytes: Int, limit: Int)
        /// The name contains a control character (its code point).
        case controlCharacter(UInt32)
        /// The bytes are not valid UTF-8.
        case invalidUTF8

        /// A human-readable description, safe to send to clients.
        public var message: String {
            switch self {
            case .empty:
                "File name is empty."
            case .tooLong(let bytes, let limit):
                "File name is \(bytes) bytes long; the limit is \(limit) bytes of UTF-8."
            case .controlCharacter(let value):
                "File name contains a control character (U+\(hex(value)))."
            case .invalidUTF8:
                "File name is not valid UTF-8."
            }
        }

        /// Same as `message`.
        public var description: String { message }

        /// At least four uppercase hex digits, as in `U+0000`.
        private func hex(_ value: UInt32) -> String {
            let digits = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
    }

    /// Returns the trimmed name, or throws why it is unacceptable.
    public static func validate(_ name: String) throws(ValidationError) -> String {
        if let control = name.unicodeScalars.first(where: isControl) { throw .controlCharacter(control.value) }
        var trimmed = Substring(name)
        while let first = trimmed.first, first.isWhitespace { trimmed.removeFirst() }
        while let last = trimmed.last, last.isWhitespace { trimmed.removeLast() }
        guard !trimmed.isEmpty else { throw .empty }
        let byteCount = trimmed.utf8.count
        guard byteCount <= maxBytes else { throw .tooLong(bytes: byteCount, limit: maxBytes) }
        return String(trimmed)
    }

    /// Validates raw bytes as UTF-8, then as `validate(_:)` does.
    public static func validate(utf8 bytes: some Collection<UInt8>) throws(ValidationError) -> String {
        guard let name = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return try validate(name)
    }

    /// C0, DEL, C1 and bidirectional formatting controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
