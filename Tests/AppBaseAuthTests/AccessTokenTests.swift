import AppBaseCore
import AppBaseHTTP
import Crypto
import Testing
@testable import AppBaseAuth
import AppBaseRuntime

/// Bearer tokens as `authenticate` sees them, through `GET /auth/me`.
@Suite("Access tokens")
struct AccessTokenTests {
    /// Re-signs `payload` with the app's real key, so only the claims are wrong.
    static func forge(_ app: AuthTestApp, header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String) -> String {
        let key = HMACKeyDerivation.jwtKey(master: SymmetricKey(data: app.environment.masterSecret))
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: key)
        return input + "." + Base64URL.encode(Array(mac))
    }

    @Test("missing bearer on a route that needs one: 401 missing_token")
    func missingToken() async throws {
        try await withApp { app in
            for path in ["/auth/me", "/auth/logout"] {
                let method: HTTPMethod = path == "/auth/me" ? .GET : .POST
                let response = await app.client(method, path)
                #expect(response.status == 401)
                #expect(response.errorCode == "missing_token")
            }
        }
    }

    @Test("tampered, alg:none, other algorithms, garbage and non-Bearer schemes: 401 invalid_token")
    func invalidTokens() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let parts = session.accessToken.split(separator: ".").map(String.init)
            let claims = String(decoding: try #require(Base64URL.decode(parts[1])), as: UTF8.self)
            let otherUser = claims.replacing(session.userID, with: "00000000-0000-7000-8000-000000000000")
            let tampered = [parts[0], Base64URL.encode(Array(otherUser.utf8)), parts[2]].joined(separator: ".")
            var flipped = Array(parts[2].utf8)
            flipped[5] = flipped[5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let badSignature = [parts[0], parts[1], String(decoding: flipped, as: UTF8.self)].joined(separator: ".")
            let algNone = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + parts[1] + "."
            let hs512 = Self.forge(app, header: #"{"alg":"HS512","typ":"JWT"}"#, payload: claims)
            let scenarios: [(String, [(String, String)])] = [
                ("tampered payload", [("authorization", "Bearer " + tampered)]),
                ("bad signature", [("authorization", "Bearer " + badSignature)]),
                ("alg none", [("authorization", "Bearer " + algNone)]),
                ("alg HS512 header", [("authorization", "Bearer " + hs512)]),
                ("garbage", [("authorization", "Bearer not.a.token")]),
                ("empty bearer", [("authorization", "Bearer ")]),
                ("basic scheme", [("authorization", "Basic YTpi")]),
                ("token without scheme", [("authorization", session.accessToken)]),
            ]
            for (name, headers) in scenarios {
                let response = await app.send(.GET, "/auth/me", key: app.clientKey, headers: headers)
                #expect(response.status == 401, "\(name)")
                #expect(response.errorCode == "invalid_token", "\(name)")
            }
            // The scheme is case-insensitive.
            let lower = await app.send(.GET, "/auth/me", key: app.clientKey, headers: [("authorization", "bearer " + session.accessToken)])
            #expect(lower.status == 200)
        }
    }

    @Test("a verified token is remembered until it expires; its tampered variants are still refused")
    func verifiedTokensAreRemembered() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            #expect(app.service.verifiedTokens.count == 0)
            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).status == 200)
            #expect(app.service.verifiedTokens.count == 1)
            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).status == 200)
            #expect(app.service.verifiedTokens.count == 1)

            // Same header and payload as the remembered token, another signature; and a suffix.
            var flipped = Array(session.accessToken.utf8)
            flipped[flipped.count - 3] = flipped[flipped.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            for variant in [String(decoding: flipped, as: UTF8.self), session.accessToken + "A"] {
                let response = await app.client(.GET, "/auth/me", token: variant)
                #expect(response.errorCode == "invalid_token")
            }
            #expect(app.service.verifiedTokens.count == 1)

            // The session check is not remembered: a revoked session refuses the remembered token.
            #expect(await app.client(.POST, "/auth/logout", token: session.accessToken).status == 204)
            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).status == 401)
        }
    }

    @Test("the cache forgets an expired token, empties itself at capacity, and does not hash oversized input")
    func verifiedTokenCacheBounds() {
        let cache = VerifiedTokenCache(capacity: 2)
        let claims = { (exp: Int64) in AccessTokenClaims(sub: "u", sid: "s", app: "a", iat: 0, exp: exp, jti: "j") }
        cache.insert("one", claims(100))
        #expect(cache.claims(for: "one", now: 99)?.exp == 100)
        #expect(cache.claims(for: "one", now: 100) == nil)
        #expect(cache.count == 0)
        cache.insert("one", claims(100))
        cache.insert("two", claims(100))
        #expect(cache.count == 2)
        cache.insert("three", claims(100))
        #expect(cache.count == 1)
        #expect(cache.claims(for: "three", now: 0) != nil)
        let huge = String(repeating: "x", count: JWT.maximumTokenLength + 1)
        cache.insert(huge, claims(100))
        #expect(cache.claims(for: huge, now: 0) == nil)
    }

    @Test("the cache tells apart tokens that share their length and last 32 bytes (it hashes only those)")
    func verifiedTokenCacheComparesWholeTokens() {
        let cache = VerifiedTokenCache(capacity: 8)
        let claims = { (sub: String) in AccessTokenClaims(sub: sub, sid: "s", app: "a", iat: 0, exp: 100, jti: "j") }
        let signature = String(repeating: "s", count: 43)
        let first = "header.payload-one." + signature, second = "header.payload-two." + signature
        cache.insert(first, claims("one"))
        #expect(cache.claims(for: first, now: 0)?.sub == "one")
        #expect(cache.claims(for: second, now: 0) == nil)
        cache.insert(second, claims("two"))
        #expect(cache.claims(for: first, now: 0)?.sub == "one")
        #expect(cache.claims(for: second, now: 0)?.sub == "two")
        #expect(cache.claims(for: "short", now: 0) == nil)
        cache.insert("short", claims("short"))
        #expect(cache.claims(for: "short", now: 0)?.sub == "short")
    }

    @Test("expired: 401 token_expired, only for a genuine token; one second earlier it works")
    func expired() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            app.clock.advance(seconds: 899)
            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).status == 200)
            app.clock.advance(seconds: 1)
            let response = await app.client(.GET, "/auth/me", token: session.accessToken)
            #expect(response.status == 401)
            #expect(response.errorCode == "token_expired")
            // The refresh token still works and gives a fresh access token.
            let renewed = try Session(await app.refresh(session.refreshToken))
            #expect(await app.client(.GET, "/auth/me", token: renewed.accessToken).status == 200)
        }
    }

    @Test("a token of another app (other secret, or same secret and other app claim): 401 invalid_token")
    func foreignApp() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            try await withApp(name: "other") { other in
                let foreign = try await other.register("ann@example.com")
                let response = await app.client(.GET, "/auth/me", token: foreign.accessToken)
                #expect(response.errorCode == "invalid_token")
            }
            let claims = String(decoding: try #require(Base64URL.decode(session.accessToken.split(separator: ".")[1])), as: UTF8.self)
            let otherApp = Self.forge(app, payload: claims.replacing(#""app":"notes""#, with: #""app":"other""#))
            #expect(await app.client(.GET, "/auth/me", token: otherApp).errorCode == "invalid_token")
        }
    }

    @Test("a valid token with an invalid key is refused for the key first")
    func keyCheckedFirst() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let response = await app.send(.GET, "/auth/me", key: "hs_live_nope", token: session.accessToken)
            #expect(response.errorCode == "invalid_api_key")
        }
    }
}
