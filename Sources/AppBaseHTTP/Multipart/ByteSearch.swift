/// Fast single-byte scanning over raw memory (a portable, `memchr`-like search).
///
/// The multipart parser uses it to find the first byte of a delimiter (`CR`) in an upload
/// chunk. It tests eight bytes per step with the classic SWAR "has zero byte" trick, so
/// scanning a chunk with no candidate costs one load, one xor and three ALU operations
/// per eight bytes, with no allocation.
package enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Returns the offset of the first occurrence of `byte` in `buffer[start...]`, or `nil`.
    ///
    /// - Parameters:
    ///   - byte: The byte to look for.
    ///   - buffer: The memory to scan.
    ///   - start: The offset to start at; must be in `0...buffer.count`.
    package static func firstIndex(of byte: UInt8, in buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        let count = buffer.count
        var index = start
        let pattern = UInt64(byte) &* ones
        while index &+ 8 <= count {
            // Little-endian view, so the lowest flagged bit is the earliest byte in memory.
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ pattern
            // Flags bytes of `word` that are zero; the lowest flag is always exact.
            let flags = (word &- ones) & ~word & highs
            if flags != 0 { return index &+ (flags.trailingZeroBitCount >> 3) }
            index &+= 8
        }
        while index < count {
            if base.load(fromByteOffset: index, as: UInt8.self) == byte { return index }
            index &+= 1
        }
        return nil
    }
}
