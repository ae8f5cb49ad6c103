import AppBaseCore

/// `{"id":"…","ownerId":"…"|null,"createdAt":"…","updatedAt":"…","version":n` written with
/// pointer copies: the part of a record's JSON before its data, for `RecordJSON.appendRow`'s
/// fast path. The texts must need no escaping (the caller checked) and stay valid while this
/// value is used.
struct SystemFieldsHead {
    let id: UnsafeBufferPointer<UInt8>
    let owner: UnsafeBufferPointer<UInt8>?
    let created: UnsafeBufferPointer<UInt8>
    let updated: UnsafeBufferPointer<UInt8>
    let version: Int64

    private static let idKey: StaticString = #"{"id":""#
    private static let ownerKey: StaticString = #"","ownerId":"#
    private static let createdKey: StaticString = #","createdAt":""#
    private static let updatedKey: StaticString = #"","updatedAt":""#
    private static let versionKey: StaticString = #"","version":"#

    /// The bytes `write(into:)` writes.
    var byteCount: Int {
        let keys = Self.idKey.utf8CodeUnitCount + Self.ownerKey.utf8CodeUnitCount + Self.createdKey.utf8CodeUnitCount
            + Self.updatedKey.utf8CodeUnitCount + Self.versionKey.utf8CodeUnitCount
        let ownerBytes = owner.map { $0.count + 2 } ?? 4
        return keys + id.count + ownerBytes + created.count + updated.count + Self.decimalDigits(version)
    }

    /// Writes the head at the start of `buffer` (at least `byteCount` long); returns its length.
    func write(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var at = 0
        func put(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty, let target = buffer.baseAddress else { return }
            (target + at).update(from: source, count: bytes.count)
            at += bytes.count
        }
        func put(_ literal: StaticString) {
            put(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
        }
        put(Self.idKey)
        put(id)
        put(Self.ownerKey)
        if let owner {
            buffer[at] = UInt8(ascii: "\"")
            at += 1
            put(owner)
            buffer[at] = UInt8(ascii: "\"")
            at += 1
        } else {
            put("null")
        }
        put(Self.createdKey)
        put(created)
        put(Self.updatedKey)
        put(updated)
        put(Self.versionKey)
        at += Self.writeDecimal(version, into: UnsafeMutableBufferPointer(rebasing: buffer[at...]))
        return at
    }

    /// The characters of `value` in decimal (with its `-`).
    static func decimalDigits(_ value: Int64) -> Int {
        ASCII.decimalDigitCount(value.magnitude) + (value < 0 ? 1 : 0)
    }

    /// Writes `value` in decimal at the start of `buffer`; returns the characters written.
    static func writeDecimal(_ value: Int64, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard value < 0 else { return ASCII.writeDecimal(value.magnitude, into: buffer) }
        buffer[0] = UInt8(ascii: "-")
        return 1 + ASCII.writeDecimal(value.magnitude, into: UnsafeMutableBufferPointer(rebasing: buffer[1...]))
    }
}
