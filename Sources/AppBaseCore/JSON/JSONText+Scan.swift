extension JSONText {
    /// Whether any byte of `bytes` would need care inside a JSON string: `"`, `\`, a control
    /// character below U+0020, or a byte ≥ 0x80 (non-ASCII, which the escaping path handles).
    /// False means the bytes can be written between quotes as they are.
    ///
    /// Eight bytes at a time (a list page scans four short text columns per record, tens of
    /// thousands of bytes per request): each test is the "has a byte less than n" and "has a
    /// zero byte" word tricks, exact about whether such a byte exists.
    public static func needsEscaping(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset + 8 <= bytes.count {
            if wordNeedsEscaping(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) { return true }
            offset += 8
        }
        guard offset < bytes.count else { return false }
        guard bytes.count >= 8 else {
            while offset < bytes.count {
                if needsEscaping(byte: bytes[offset]) { return true }
                offset += 1
            }
            return false
        }
        // The tail as the last eight bytes, overlapping what was already scanned.
        return wordNeedsEscaping(bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
    }

    @inline(__always)
    private static func wordNeedsEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let quote = (quotes &- ones) & ~quotes
        let backslash = (backslashes &- ones) & ~backslashes
        return (word | control | quote | backslash) & highs != 0
    }

    /// The one-byte form of `needsEscaping(_:)`.
    @inline(__always)
    public static func needsEscaping(byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte >= 0x80
    }
}
