/// Base64url without padding (RFC 4648 §5), as used by JWS compact serialisation and our opaque tokens.
///
/// Decoding is strict: it accepts exactly the strings `encode` can produce. Padding (`=`), characters
/// outside `A–Z a–z 0–9 - _`, whitespace, a length that leaves a single dangling character, and
/// non-zero trailing bits (a second spelling of the same bytes) are all rejected, so one byte string has
/// exactly one accepted encoding. That matters for tokens: a signature or key must not have aliases.
///
/// The byte-level entry points (`encode(_:into:)`, `decode(_:into:)`) work on caller-provided buffers and
/// allocate nothing; the JWT verifier decodes into stack memory with them.
public enum Base64URL {
    /// The 64-character alphabet; `StaticString` storage is a constant in the binary (no lazy initialisation).
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    /// Marker in `decodeTable` for a byte outside the alphabet (its top bits are set, see `decode`).
    private static let invalid: UInt8 = 0xFF

    /// Byte → 6-bit value, `invalid` elsewhere. A table rather than range tests: on random text (signatures,
    /// ids) range tests mispredict about once per character, which costs more than the decoding itself.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for index in 0..<64 { table[Int(alphabet.utf8Start[index])] = UInt8(index) }
        return table
    }()

    /// The number of characters `encode` produces for `byteCount` bytes.
    public static func encodedCount(forByteCount byteCount: Int) -> Int {
        precondition(byteCount >= 0, "negative byte count")
        let remainder = byteCount % 3
        return (byteCount / 3) * 4 + (remainder == 0 ? 0 : remainder + 1)
    }

    /// The number of bytes `encodedCount` characters decode to, or nil if no unpadded encoding has that length.
    public static func decodedCount(forEncodedCount encodedCount: Int) -> Int? {
        guard encodedCount >= 0 else { return nil }
        switch encodedCount % 4 {
        case 0: return (encodedCount / 4) * 3
        case 2: return (encodedCount / 4) * 3 + 1
        case 3: return (encodedCount / 4) * 3 + 2
        default: return nil
        }
    }

    /// Encodes `bytes` as unpadded base64url text.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(buffer: $0) }) {
            return encoded
        }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    /// Decodes strict unpadded base64url text; nil if `text` is not a canonical encoding.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var text = String(text)
        return text.withUTF8 { decode(buffer: $0) }
    }

    /// Decodes strict unpadded base64url given as ASCII bytes; nil if they are not a canonical encoding.
    public static func decode(bytes: some Collection<UInt8>) -> [UInt8]? {
        if let decoded = bytes.withContiguousStorageIfAvailable({ decode(buffer: $0) }) {
            return decoded
        }
        return Array(bytes).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// Writes the encoding of `input` to the start of `output`, which must hold
    /// `encodedCount(forByteCount: input.count)` bytes, and returns the number of bytes written.
    @discardableResult
    public static func encode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let total = encodedCount(forByteCount: input.count)
        precondition(output.count >= total, "Base64URL output buffer too small")
        let table = alphabet.utf8Start
        var i = 0
        var o = 0
        // Whole 3-byte groups → 4 characters.
        while i + 3 <= input.count {
            let word = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            output[o] = table[Int(word >> 18)]
            output[o + 1] = table[Int((word >> 12) & 0x3F)]
            output[o + 2] = table[Int((word >> 6) & 0x3F)]
            output[o + 3] = table[Int(word & 0x3F)]
            i += 3
            o += 4
        }
        // A tail of 1 or 2 bytes → 2 or 3 characters, the unused low bits being zero.
        switch input.count - i {
        case 1:
            let word = UInt32(input[i]) << 16
            output[o] = table[Int(word >> 18)]
            output[o + 1] = table[Int((word >> 12) & 0x3F)]
            o += 2
        case 2:
            let word = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            output[o] = table[Int(word >> 18)]
            output[o + 1] = table[Int((word >> 12) & 0x3F)]
            output[o + 2] = table[Int((word >> 6) & 0x3F)]
            o += 3
        default:
            break
        }
        return o
    }

    /// Decodes `input` into the start of `output` and returns the number of bytes written, or nil if `input`
    /// is not canonical unpadded base64url or `output` is shorter than `decodedCount(forEncodedCount:)`.
    public static func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        guard let total = decodedCount(forEncodedCount: input.count), output.count >= total else { return nil }
        return decodeTable.withUnsafeBufferPointer { table in decode(input, into: output, table: table) }
    }

    /// The decoding loop proper; `table` is `decodeTable`, fetched once per call.
    private static func decode(
        _ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>, table: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        /// The 6-bit value of `character`, or `invalid` (top bits set) if it is outside the alphabet.
        @inline(__always) func sextet(_ character: UInt8) -> UInt8 { table[Int(character)] }
        var i = 0
        var o = 0
        // Whole 4-character groups → 3 bytes. Invalid characters are accumulated with OR so the loop
        // has one check per group rather than one per character.
        while i + 4 <= input.count {
            let a = sextet(input[i]), b = sextet(input[i + 1]), c = sextet(input[i + 2]), d = sextet(input[i + 3])
            guard (a | b | c | d) & 0xC0 == 0 else { return nil }
            let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            output[o] = UInt8(truncatingIfNeeded: word >> 16)
            output[o + 1] = UInt8(truncatingIfNeeded: word >> 8)
            output[o + 2] = UInt8(truncatingIfNeeded: word)
            i += 4
            o += 3
        }
        switch input.count - i {
        case 2:
            let a = sextet(input[i]), b = sextet(input[i + 1])
            // 12 bits carry 8: the last character's low 4 bits must be zero (canonical form).
            guard (a | b) & 0xC0 == 0, b & 0x0F == 0 else { return nil }
            output[o] = a << 2 | b >> 4
            o += 1
        case 3:
            let a = sextet(input[i]), b = sextet(input[i + 1]), c = sextet(input[i + 2])
            // 18 bits carry 16: the last character's low 2 bits must be zero (canonical form).
            guard (a | b | c) & 0xC0 == 0, c & 0x03 == 0 else { return nil }
            let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
            output[o] = UInt8(truncatingIfNeeded: word >> 16)
            output[o + 1] = UInt8(truncatingIfNeeded: word >> 8)
            o += 2
        default:
            break
        }
        return o
    }

    /// Encodes a contiguous buffer straight into a new string's storage.
    private static func encode(buffer: UnsafeBufferPointer<UInt8>) -> String {
        let count = encodedCount(forByteCount: buffer.count)
        return String(unsafeUninitializedCapacity: count) { output in
            encode(buffer, into: output)
        }
    }

    /// Decodes a contiguous buffer into a new array.
    private static func decode(buffer: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let count = decodedCount(forEncodedCount: buffer.count) else { return nil }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            if let written = decode(buffer, into: output) {
                initialized = written
            } else {
                failed = true
                initialized = 0
            }
        }
        return failed ? nil : bytes
    }
}
