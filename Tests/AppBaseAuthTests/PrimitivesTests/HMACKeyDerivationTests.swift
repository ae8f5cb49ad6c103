import Crypto
import Testing
@testable import AppBaseAuth

@Suite("HMACKeyDerivation")
struct HMACKeyDerivationTests {
    static let master = SymmetricKey(data: [UInt8](repeating: UInt8(ascii: "m"), count: 32))

    static func bytes(_ key: SymmetricKey) -> [UInt8] {
        key.withUnsafeBytes { Array($0) }
    }

    @Test("the JWT key and the signed-URL key differ")
    func purposesDiffer() {
        let jwt = HMACKeyDerivation.jwtKey(master: Self.master)
        let url = HMACKeyDerivation.signedURLKey(master: Self.master)
        #expect(Self.bytes(jwt) != Self.bytes(url))
        #expect(Self.bytes(jwt) != Self.bytes(Self.master))
        #expect(jwt.bitCount == 256)
    }

    @Test("derivation is deterministic and depends on the master secret")
    func deterministic() {
        let again = HMACKeyDerivation.derive(master: Self.master, purpose: HMACKeyDerivation.jwtPurpose)
        #expect(Self.bytes(again) == Self.bytes(HMACKeyDerivation.jwtKey(master: Self.master)))
        let other = HMACKeyDerivation.jwtKey(master: SymmetricKey(size: .bits256))
        #expect(Self.bytes(other) != Self.bytes(again))
    }

    @Test("the construction is pinned: HKDF-SHA256, salt appbase/hkdf/v1, info appbase/<purpose>")
    func pinnedConstruction() {
        // RFC 5869 by hand: PRK = HMAC(salt, IKM); T(1) = HMAC(PRK, info || 0x01).
        let extract = HMAC<SHA256>.authenticationCode(
            for: [UInt8](repeating: UInt8(ascii: "m"), count: 32), using: SymmetricKey(data: Array("appbase/hkdf/v1".utf8))
        )
        let expand = HMAC<SHA256>.authenticationCode(
            for: Array("appbase/jwt-hs256".utf8) + [0x01], using: SymmetricKey(data: Array(extract))
        )
        #expect(Self.bytes(HMACKeyDerivation.jwtKey(master: Self.master)) == Array(expand))
        // Also computed independently with Python's hmac module.
        let hex = Self.bytes(HMACKeyDerivation.jwtKey(master: Self.master)).map { byte -> String in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
        #expect(hex == "543242235cc5ae0f55b3a583077059f8036ab77f73ba8ef1fd9f704854f54327")
    }

    @Test("other output lengths are available")
    func outputLength() {
        #expect(HMACKeyDerivation.derive(master: Self.master, purpose: "x", byteCount: 64).bitCount == 512)
    }
}
