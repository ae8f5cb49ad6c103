import Synchronization

/// Time-sortable identifiers (UUIDv7, RFC 9562) for records, users, sessions, files and requests.
public enum Identifier {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let requestSeed: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let requestCounter = Atomic<UInt64>(0)

    /// A new UUIDv7 in lowercase canonical form: 48 bits of Unix milliseconds, then 74 random
    /// bits (from `RandomBytePool`: no system call per id), written straight into the string.
    public static func uuidV7(milliseconds: Int64) -> String {
        let time = UInt64(max(0, milliseconds))
        var bytes: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            for index in 0..<6 { raw[index] = UInt8(truncatingIfNeeded: time >> (40 - 8 * UInt64(index))) }
            RandomBytePool.shared.fill(UnsafeMutableRawBufferPointer(rebasing: raw[6..<16]))
            raw[6] = (raw[6] & 0x0F) | 0x70
            raw[8] = (raw[8] & 0x3F) | 0x80
            return String(unsafeUninitializedCapacity: 36) { text in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = 45
                        position += 1
                    }
                    text[position] = hexDigits[Int(raw[index] >> 4)]
                    text[position + 1] = hexDigits[Int(raw[index] & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }

    /// A request id (16 hex characters): a per-process random seed and a counter mixed with
    /// SplitMix64 — unique within the process, unguessable enough for log correlation, and
    /// free of a `getrandom` syscall per request.
    public static func requestID() -> String {
        var mixed = requestSeed &+ requestCounter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        let value = mixed ^ (mixed >> 31)
        // Written straight into the string's storage: one allocation per id.
        return String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 { buffer[index] = hexDigits[Int((value >> (60 - 4 * UInt64(index))) & 0xF)] }
            return 16
        }
    }

    /// True when `text` has the canonical lowercase UUID shape (any version).
    public static func isUUID(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                if byte != 45 { return false }
            } else if !((48...57).contains(byte) || (97...102).contains(byte)) {
                return false
            }
        }
        return true
    }
}
