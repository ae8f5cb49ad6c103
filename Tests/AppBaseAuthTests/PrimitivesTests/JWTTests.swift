import AppBaseCore
import Crypto
import Testing
@testable import AppBaseAuth

@Suite("JWT signing and verification")
struct JWTTests {
    typealias Fixture = JWTTestSupport

    @Test("sign produces the pinned compact token (fixed header, fixed claim order)")
    func pinnedToken() {
        // Computed independently (Python hmac/base64) over the same header, claims and key.
        let expected = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
            + ".eyJzdWIiOiJ1c3JfMSIsInNpZCI6InNlc18xIiwiYXBwIjoibm90ZXMiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDkwMCwianRpIjoianRpLTEifQ"
            + ".V2-0SvNG74CKtQeZg72RST_uPs9hKQLf0wqwXa0mAW4"
        #expect(JWT.sign(claims: Fixture.claims, secret: Fixture.secret) == expected)
    }

    @Test("a signed token verifies to the same claims")
    func roundTrip() throws {
        let token = JWT.sign(claims: Fixture.claims, secret: Fixture.secret)
        #expect(try Fixture.verify(token).get() == Fixture.claims)
    }

    @Test("claims with quotes, backslashes, control characters and non-ASCII survive a round trip")
    func roundTripEscapes() throws {
        var claims = Fixture.claims
        claims.sub = "a\"b\\c\nd\te\u{1}f/é😀"
        claims.jti = "\u{7F}\u{0}"
        let token = JWT.sign(claims: claims, secret: Fixture.secret)
        #expect(try Fixture.verify(token).get() == claims)
    }

    @Test("issued claims get a 15-minute lifetime and a random jti")
    func issuedClaims() throws {
        let first = AccessTokenClaims.issue(userID: "u", sessionID: "s", app: "notes", now: 1000)
        let second = AccessTokenClaims.issue(userID: "u", sessionID: "s", app: "notes", now: 1000)
        #expect(first.exp - first.iat == 900)
        #expect(first.jti.utf8.count == 22)
        #expect(first.jti != second.jti)
        let token = JWT.sign(claims: first, secret: Fixture.secret)
        #expect(try JWT.verify(token, secret: Fixture.secret, expectedApp: "notes", now: 1899) == first)
    }

    @Test("the signature is HMAC-SHA256 over header.payload (RFC 7515 §A.1 example)")
    func rfc7515SignatureMath() throws {
        let jwk = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
        let key = SymmetricKey(data: try #require(Base64URL.decode(jwk)))
        let header = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        let payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        let signature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(header).\(payload)".utf8), using: key)
        #expect(Base64URL.encode(Array(mac)) == signature)

        // Our verifier accepts that header (typ first, CRLF and spaces) and signature, and hands on the payload...
        var token = "\(header).\(payload).\(signature)"
        let authenticated = token.withUTF8 { bytes in
            JWT.withAuthenticatedPayload(of: bytes, key: HS256Key(key)) { Array($0) }
        }
        #expect(authenticated == Array("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}".utf8))
        // ...but the payload is not one of our claim sets (a boolean member, no sub/sid/app/jti).
        #expect(throws: JWTError.invalid) {
            try JWT.verify(token, secret: key, expectedApp: "notes", now: 0)
        }
    }

    @Test("a prepared HS256Key signs and verifies exactly like the bare secret")
    func preparedKey() throws {
        let key = HS256Key(Fixture.secret)
        let token = JWT.sign(claims: Fixture.claims, key: key)
        #expect(token == JWT.sign(claims: Fixture.claims, secret: Fixture.secret))
        #expect(try JWT.verify(token, key: key, expectedApp: "notes", now: Fixture.now) == Fixture.claims)
        #expect(throws: JWTError.invalid) {
            try JWT.verify(token, key: HS256Key(SymmetricKey(size: .bits256)), expectedApp: "notes", now: Fixture.now)
        }
    }

    @Test("a prepared key never prints its state")
    func keyRedacted() {
        let key = HS256Key(Fixture.secret)
        #expect(String(describing: key) == "HS256Key(<redacted>)")
        #expect(String(reflecting: key) == "HS256Key(<redacted>)")
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains("Hasher"))
    }

    @Test("the wrong secret is invalid")
    func wrongSecret() {
        let token = JWT.sign(claims: Fixture.claims, secret: SymmetricKey(size: .bits256))
        #expect(Fixture.verify(token) == .failure(.invalid))
    }

    @Test("another app's token is invalid, even when also expired")
    func otherApp() {
        var claims = Fixture.claims
        claims.app = "todos"
        let token = JWT.sign(claims: claims, secret: Fixture.secret)
        #expect(Fixture.verify(token) == .failure(.invalid))
        #expect(Fixture.verify(token, now: claims.exp + 10) == .failure(.invalid))
    }

    @Test("the app must match byte for byte, not merely be canonically equivalent")
    func appComparedAsBytes() throws {
        var claims = Fixture.claims
        claims.app = "caf\u{E9}"  // precomposed é
        let token = JWT.sign(claims: claims, secret: Fixture.secret)
        #expect(try JWT.verify(token, secret: Fixture.secret, expectedApp: "caf\u{E9}", now: Fixture.now) == claims)
        #expect(throws: JWTError.invalid) {
            try JWT.verify(token, secret: Fixture.secret, expectedApp: "cafe\u{301}", now: Fixture.now)  // e + combining acute
        }
    }

    @Test("expiry boundaries: exp - 1 valid, exp and later expired")
    func expiryBoundaries() throws {
        let token = JWT.sign(claims: Fixture.claims, secret: Fixture.secret)
        let exp = Fixture.claims.exp
        #expect(try Fixture.verify(token, now: exp - 1).get() == Fixture.claims)
        #expect(Fixture.verify(token, now: exp) == .failure(.expired))
        #expect(Fixture.verify(token, now: exp + 1) == .failure(.expired))
        #expect(Fixture.verify(token, now: .max) == .failure(.expired))
    }

    @Test("leeway extends validity by exactly that many seconds")
    func leeway() throws {
        let token = JWT.sign(claims: Fixture.claims, secret: Fixture.secret)
        let exp = Fixture.claims.exp
        #expect(try Fixture.verify(token, now: exp + 4, leeway: 5).get() == Fixture.claims)
        #expect(Fixture.verify(token, now: exp + 5, leeway: 5) == .failure(.expired))
        #expect(Fixture.verify(token, now: exp, leeway: -5) == .failure(.expired))
    }

    @Test("an expired token with a bad signature is invalid, not expired")
    func expiredOnlyAfterSignature() {
        let token = JWT.sign(claims: Fixture.claims, secret: SymmetricKey(size: .bits256))
        #expect(Fixture.verify(token, now: Fixture.claims.exp + 100) == .failure(.invalid))
    }

    @Test("a token with an exp near Int64.max does not overflow with leeway")
    func hugeExp() throws {
        var claims = Fixture.claims
        claims.exp = .max
        let token = JWT.sign(claims: claims, secret: Fixture.secret)
        #expect(try Fixture.verify(token, leeway: 60).get() == claims)
    }

    @Test("errors have stable codes")
    func errorCodes() {
        #expect(JWTError.invalid.code == "invalid_token")
        #expect(JWTError.expired.code == "token_expired")
    }
}
