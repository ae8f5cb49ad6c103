import Crypto
import Testing
@testable import AppBaseAuth

@Suite("JWT rejections")
struct JWTRejectionTests {
    typealias Fixture = JWTTestSupport

    static let validPayload = #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"jti-1"}"#

    @Test("a tampered header, payload or signature is invalid", arguments: [0, 1, 2])
    func tampered(segment: Int) {
        let token = JWT.sign(claims: Fixture.claims, secret: Fixture.secret)
        let parts = token.split(separator: ".").map(String.init)
        var bytes = Array(parts[segment].utf8)
        let middle = bytes.count / 2
        bytes[middle] = bytes[middle] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let tampered = Fixture.replacingSegment(segment, of: token, with: String(decoding: bytes, as: UTF8.self))
        #expect(Fixture.verify(tampered) == .failure(.invalid))
    }

    @Test("a payload swapped in from another valid token is invalid")
    func swappedPayload() {
        var other = Fixture.claims
        other.sub = "usr_admin"
        let token = JWT.sign(claims: Fixture.claims, secret: Fixture.secret)
        let otherToken = JWT.sign(claims: other, secret: Fixture.secret)
        let payload = String(otherToken.split(separator: ".")[1])
        #expect(Fixture.verify(Fixture.replacingSegment(1, of: token, with: payload)) == .failure(.invalid))
    }

    @Test("alg none is invalid, unsigned or even with a valid HS256 MAC")
    func algNone() {
        let header = #"{"alg":"none","typ":"JWT"}"#
        let signed = Fixture.token(header: header, payload: Self.validPayload)
        #expect(Fixture.verify(signed) == .failure(.invalid))
        let unsigned = Fixture.replacingSegment(2, of: signed, with: "")
        #expect(Fixture.verify(unsigned) == .failure(.invalid))
    }

    @Test("headers naming another algorithm are invalid even when the HS256 MAC is right", arguments: [
        #"{"alg":"HS512","typ":"JWT"}"#, #"{"alg":"RS256","typ":"JWT"}"#, #"{"alg":"hs256","typ":"JWT"}"#,
        #"{"alg":"ES256"}"#, #"{"alg":"HS256 "}"#, #"{"typ":"JWT"}"#,
    ])
    func otherAlgorithms(header: String) {
        #expect(Fixture.verify(Fixture.token(header: header, payload: Self.validPayload)) == .failure(.invalid))
    }

    @Test("headers with anything but alg and typ are invalid", arguments: [
        #"{"alg":"HS256","crit":["exp"]}"#, #"{"alg":"HS256","crit":"exp"}"#, #"{"alg":"HS256","kid":"k1"}"#,
        #"{"alg":"HS256","typ":"JWS"}"#, #"{"alg":"HS256","alg":"HS256"}"#, #"{"alg":"HS256","jku":"http://x"}"#,
        #"{"alg":"HS256","b64":false}"#, #"["HS256"]"#, #"{"alg":"HS256"}x"#,
        "", "null",
    ])
    func strictHeader(header: String) {
        #expect(Fixture.verify(Fixture.token(header: header, payload: Self.validPayload)) == .failure(.invalid))
    }

    @Test("equivalent spellings of the HS256 header are accepted", arguments: [
        #"{"alg":"HS256"}"#, #"{"typ":"JWT","alg":"HS256"}"#, #" { "alg" : "HS256" , "typ" : "JWT" } "#,
        #"{"alg":"HS\u0032\u00356"}"#,
    ])
    func headerSpellings(header: String) throws {
        let token = Fixture.token(header: header, payload: Self.validPayload)
        #expect(try Fixture.verify(token).get() == Fixture.claims)
    }

    @Test("payloads that are not a complete, well-typed claim set are invalid, even when signed", arguments: [
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900}"#,  // no jti
        #"{"sub":"usr_1","sub":"usr_2","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"j"}"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":"1700000000","exp":1700000900,"jti":"j"}"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900.5,"jti":"j"}"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":17000009e2,"jti":"j"}"#,
        #"{"sub":1,"sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"j"}"#,
        #"{"sub":"","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"j"}"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000900,"exp":1700000000,"jti":"j"}"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"j","admin":true}"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"j","x":{}}"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":99999999999999999999,"jti":"j"}"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"j"}x"#,
        #"{"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"j",}"#,
        "", "{}", "[]", "null",
    ])
    func badClaims(payload: String) {
        #expect(Fixture.verify(Fixture.token(payload: payload)) == .failure(.invalid))
    }

    @Test("unknown string and integer members are ignored")
    func unknownMembers() throws {
        let payload = #"{"v":2,"sub":"usr_1","sid":"ses_1","app":"notes","iat":1700000000,"exp":1700000900,"jti":"jti-1","role":"x"}"#
        #expect(try Fixture.verify(Fixture.token(payload: payload)).get() == Fixture.claims)
    }

    @Test("garbage is invalid", arguments: [
        "", ".", "..", "...", "a.b.c", "a.b", "abc", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..",
        "Bearer x.y.z", "\u{0}.\u{0}.\u{0}", "é.é.é",
    ])
    func garbage(_ token: String) {
        #expect(Fixture.verify(token) == .failure(.invalid))
    }

    @Test("a valid token with extra segments, whitespace or padding is invalid")
    func decoratedToken() {
        let token = JWT.sign(claims: Fixture.claims, secret: Fixture.secret)
        for decorated in [token + ".", "." + token, token + ".x", token + " ", " " + token, token + "=", token + "\n"] {
            #expect(Fixture.verify(decorated) == .failure(.invalid))
        }
    }

    @Test("huge input is invalid without being parsed")
    func hugeInput() {
        let token = JWT.sign(claims: Fixture.claims, secret: Fixture.secret)
        #expect(Fixture.verify(token + String(repeating: "A", count: 1 << 20)) == .failure(.invalid))
        #expect(Fixture.verify(String(repeating: ".", count: 100_000)) == .failure(.invalid))
        var claims = Fixture.claims
        claims.sub = String(repeating: "u", count: JWT.maximumTokenLength)
        #expect(Fixture.verify(JWT.sign(claims: claims, secret: Fixture.secret)) == .failure(.invalid))
    }
}
