import Testing
@testable import AppBaseAuth

@Suite("SecureRandom")
struct SecureRandomTests {
    @Test("returns the requested number of bytes")
    func counts() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        #expect(SecureRandom.bytes(count: 1).count == 1)
        #expect(SecureRandom.bytes(count: 4096).count == 4096)
    }

    @Test("two draws of 32 bytes differ")
    func distinct() {
        #expect(SecureRandom.bytes(count: 32) != SecureRandom.bytes(count: 32))
    }

    @Test("fills a buffer with something other than its previous content")
    func fill() {
        var buffer = [UInt8](repeating: 0, count: 64)
        buffer.withUnsafeMutableBytes { SecureRandom.fill($0) }
        #expect(buffer != [UInt8](repeating: 0, count: 64))
    }

    @Test("uniform stays below its bound")
    func uniform() {
        for _ in 0..<1000 {
            #expect(SecureRandom.uniform(below: 10) < 10)
        }
        #expect(SecureRandom.uniform(below: 1) == 0)
    }

    @Test("is safe to use from many tasks at once (sodium_init runs once)")
    func concurrentUse() async {
        let draws = await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<16 { group.addTask { SecureRandom.bytes(count: 16) } }
            var all: [[UInt8]] = []
            for await draw in group { all.append(draw) }
            return all
        }
        #expect(Set(draws).count == 16)
    }
}
