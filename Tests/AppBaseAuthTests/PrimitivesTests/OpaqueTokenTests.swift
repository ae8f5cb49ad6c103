import AppBaseCore
import Testing
@testable import AppBaseAuth

@Suite("OpaqueToken")
struct OpaqueTokenTests {
    @Test("API keys are hs_live_ plus 43 base64url characters of 32 random bytes")
    func apiKeyFormat() throws {
        let key = OpaqueToken.generateAPIKey()
        #expect(key.hasPrefix("hs_live_"))
        #expect(key.utf8.count == 51)
        let random = String(key.dropFirst(8))
        #expect(try #require(Base64URL.decode(random)).count == 32)
        #expect(OpaqueToken.isWellFormedAPIKey(key))
    }

    @Test("refresh tokens are 43 base64url characters of 32 random bytes")
    func refreshTokenFormat() throws {
        let token = OpaqueToken.generateRefreshToken()
        #expect(token.utf8.count == 43)
        #expect(try #require(Base64URL.decode(token)).count == 32)
        #expect(OpaqueToken.isWellFormedRefreshToken(token))
    }

    @Test("generated tokens do not repeat")
    func unique() {
        let keys = Set((0..<200).map { _ in OpaqueToken.generateAPIKey() })
        let refresh = Set((0..<200).map { _ in OpaqueToken.generateRefreshToken() })
        #expect(keys.count == 200)
        #expect(refresh.count == 200)
    }

    @Test("hash is SHA-256 of the token text")
    func hash() {
        let digest = OpaqueToken.hash("abc")
        let hex = digest.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(OpaqueToken.hash("").count == 32)
        let key = OpaqueToken.generateAPIKey()
        #expect(OpaqueToken.hash(key) == OpaqueToken.hash(String(key)))
        #expect(OpaqueToken.hash(key) != OpaqueToken.hash(OpaqueToken.generateAPIKey()))
    }

    @Test("the display prefix is the first 12 characters")
    func displayPrefix() {
        #expect(OpaqueToken.displayPrefix(of: "hs_live_AbCdEfGh") == "hs_live_AbCd")
        let key = OpaqueToken.generateAPIKey()
        #expect(OpaqueToken.displayPrefix(of: key).count == 12)
        #expect(key.hasPrefix(OpaqueToken.displayPrefix(of: key)))
        #expect(OpaqueToken.displayPrefix(of: "short") == "short")
    }

    @Test("malformed keys and refresh tokens are recognised without a lookup")
    func wellFormedness() {
        let key = OpaqueToken.generateAPIKey()
        #expect(!OpaqueToken.isWellFormedAPIKey(""))
        #expect(!OpaqueToken.isWellFormedAPIKey("hs_test_" + key.dropFirst(8)))
        #expect(!OpaqueToken.isWellFormedAPIKey(key + "A"))
        #expect(!OpaqueToken.isWellFormedAPIKey(String(key.dropLast()) + "="))
        #expect(!OpaqueToken.isWellFormedRefreshToken(key))
        #expect(!OpaqueToken.isWellFormedRefreshToken(String(repeating: "=", count: 43)))
    }
}
