import AppBaseCore
import Testing

/// Record, user, session and file ids: UUIDv7 text whose randomness comes from `RandomBytePool`.
@Suite("Identifiers and the random byte pool")
struct IdentifierTests {
    @Test("a UUIDv7 has the canonical shape, version 7, the RFC variant and its milliseconds first")
    func uuidShape() throws {
        let milliseconds: Int64 = 0x0123_4567_89AB
        let id = Identifier.uuidV7(milliseconds: milliseconds)
        #expect(Identifier.isUUID(id))
        #expect(id.hasPrefix("01234567-89ab-7"))
        let variant = try #require(id.utf8.dropFirst(19).first)
        #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(variant))
        #expect(Identifier.uuidV7(milliseconds: -5).hasPrefix("00000000-0000-7"))
        // Time-sortable: a later millisecond sorts after, whatever the random bits.
        #expect(Identifier.uuidV7(milliseconds: 1_000) < Identifier.uuidV7(milliseconds: 1_001))
    }

    @Test("20,000 ids in one millisecond, from four tasks at once, are all different")
    func uuidsAreUnique() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<5_000).map { _ in Identifier.uuidV7(milliseconds: 42) } } }
            var all: [String] = []
            for await part in group { all += part }
            return all
        }
        #expect(ids.count == 20_000)
        #expect(Set(ids).count == 20_000)
    }

    @Test("the pool hands out fresh bytes across refills: no two 16-byte draws repeat, and bytes vary")
    func poolBytes() {
        let pool = RandomBytePool()
        var draws = Set<[UInt8]>()
        var histogram = [Int](repeating: 0, count: 256)
        // 1,000 draws of 16 bytes (and one odd size) cross the 4 KiB refill several times.
        for _ in 0..<1_000 {
            var bytes = [UInt8](repeating: 0, count: 16)
            bytes.withUnsafeMutableBytes { pool.fill($0) }
            draws.insert(bytes)
            for byte in bytes { histogram[Int(byte)] += 1 }
        }
        var odd = [UInt8](repeating: 0, count: 5_000)
        odd.withUnsafeMutableBytes { pool.fill($0) }
        #expect(draws.count == 1_000)
        // 16,000 bytes over 256 values: each value ~62 times; none missing, none dominant.
        #expect(histogram.allSatisfy { $0 > 10 && $0 < 200 })
        #expect(Set(odd).count > 200)
    }
}
