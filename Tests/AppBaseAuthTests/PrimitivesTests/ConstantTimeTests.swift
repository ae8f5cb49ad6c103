import Testing
@testable import AppBaseAuth

@Suite("ConstantTime")
struct ConstantTimeTests {
    @Test("equal contents are equal")
    func equal() {
        let bytes = SecureRandom.bytes(count: 32)
        #expect(ConstantTime.equals(bytes, Array(bytes)))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
    }

    @Test("a difference in any position is found")
    func differenceAnywhere() {
        let bytes = SecureRandom.bytes(count: 32)
        for index in bytes.indices {
            var other = bytes
            other[index] ^= 0x01
            #expect(!ConstantTime.equals(bytes, other))
        }
    }

    @Test("different lengths are unequal, even when one is a prefix of the other")
    func lengthMismatch() {
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([], [0]))
    }

    @Test("works across collection types")
    func mixedCollections() {
        #expect(ConstantTime.equals("token".utf8, Array("token".utf8)))
        #expect(ConstantTime.equals([1, 2, 3][1...], [2, 3]))
        #expect(!ConstantTime.equals("token".utf8, "tokem".utf8))
    }
}
