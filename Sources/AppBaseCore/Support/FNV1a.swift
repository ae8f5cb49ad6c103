/// 64-bit FNV-1a, written as 16 lowercase hex digits: a stable, non-cryptographic name for
/// something derived from text (an index from its expressions, a list query's fingerprint) —
/// the same in every process, unlike `Hasher`.
public struct FNV1a: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ text: String) {
        for byte in text.utf8 {
            state ^= UInt64(byte)
            state = state &* 0x0000_0100_0000_01b3
        }
    }

    public var hexDigest: String {
        let hex = String(state, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
