import AppBaseCore
import AppBaseHTTP
import Testing
@testable import AppBaseAuth
import OrderedCollections

@Suite("POST /auth/register")
struct RegisterTests {
    @Test("201 with user, access token, refresh token and expiresIn; the email is normalised")
    func registers() async throws {
        try await withApp { app in
            let response = await app.client(.POST, "/auth/register",
                                            body: ["email": "  Ann@Example.COM ", "password": "correct horse battery"])
            #expect(response.status == 201)
            #expect(response.headers["cache-control"] == "no-store")
            let session = try Session(response)
            #expect(session.email == "ann@example.com")
            #expect(session.expiresIn == 900)
            #expect(Identifier.isUUID(session.userID))
            #expect(session.refreshToken.utf8.count == 43)
            let user = try #require(response.json?["user"])
            #expect(user["createdAt"]?.stringValue == Timestamp.rfc3339(milliseconds: app.clock.nowMilliseconds()))
            #expect(user.objectValue?.keys.elementsEqual(["id", "email", "createdAt"]) == true)
            let claims = try #require(session.claims)
            #expect(claims["sub"]?.stringValue == session.userID)
            #expect(claims["app"]?.stringValue == "notes")
            #expect(claims["exp"]?.intValue == app.clock.nowSeconds() + 900)

            let me = await app.client(.GET, "/auth/me", token: session.accessToken)
            #expect(me.status == 200)
            #expect(me.json?["user"]?["email"]?.stringValue == "ann@example.com")

            let events = await app.takeAuditEvents()
            #expect(events.map(\.action) == [AuthAuditAction.register])
            #expect(events.first?.actor.userID == session.userID)
            #expect(events.first?.actor.ip == "192.0.2.10")
            #expect(events.first?.target == session.userID)
        }
    }

    @Test("the same email twice is 409 email_taken, whatever its case")
    func duplicateEmail() async throws {
        try await withApp { app in
            _ = try await app.register("bob@example.com")
            let again = await app.client(.POST, "/auth/register", body: ["email": "BOB@example.com", "password": "another password"])
            #expect(again.status == 409)
            #expect(again.errorCode == "email_taken")
        }
    }

    @Test("concurrent registrations of one email: exactly one wins")
    func concurrentDuplicates() async throws {
        try await withApp { app in
            let statuses = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        await app.client(.POST, "/auth/register", body: ["email": "race@example.com", "password": "password123"]).status
                    }
                }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1)
            #expect(statuses.filter { $0 == 409 }.count == 3)
        }
    }

    /// Bad bodies and the error each gets; none reaches the hasher.
    static let invalidBodies: [(name: String, body: [UInt8], status: Int, code: String, field: String?)] = [
        ("not JSON", Array("{email".utf8), 400, "invalid_json", nil),
        ("empty body", [], 400, "invalid_json", nil),
        ("an array", Array("[1]".utf8), 400, "bad_request", nil),
        ("no email", Array(#"{"password":"password123"}"#.utf8), 400, "validation_failed", "email"),
        ("email not a string", Array(#"{"email":5,"password":"password123"}"#.utf8), 400, "validation_failed", "email"),
        ("email without @", Array(#"{"email":"nobody","password":"password123"}"#.utf8), 400, "validation_failed", "email"),
        ("email without domain dot", Array(#"{"email":"a@b","password":"password123"}"#.utf8), 400, "validation_failed", "email"),
        ("email with space", Array(#"{"email":"a b@c.de","password":"password123"}"#.utf8), 400, "validation_failed", "email"),
        ("no password", Array(#"{"email":"a@b.de"}"#.utf8), 400, "validation_failed", "password"),
        ("password of 7 bytes", Array(#"{"email":"a@b.de","password":"1234567"}"#.utf8), 400, "validation_failed", "password"),
        ("password of 1025 bytes", Array(("{\"email\":\"a@b.de\",\"password\":\"" + String(repeating: "x", count: 1025) + "\"}").utf8),
         400, "validation_failed", "password"),
        ("body over 8 KiB", Array(("{\"email\":\"a@b.de\",\"password\":\"" + String(repeating: "x", count: 9000) + "\"}").utf8),
         413, "payload_too_large", nil),
    ]

    @Test("invalid bodies", arguments: invalidBodies.indices)
    func invalidBody(_ index: Int) async throws {
        let scenario = Self.invalidBodies[index]
        try await withApp { app in
            let response = await app.send(.POST, "/auth/register", key: app.clientKey, rawBody: scenario.body)
            #expect(response.status == scenario.status, "\(scenario.name)")
            #expect(response.errorCode == scenario.code, "\(scenario.name)")
            if let field = scenario.field {
                #expect(response.json?["error"]?["details"]?["field"]?.stringValue == field, "\(scenario.name)")
            }
            #expect(await app.takeAuditActions().isEmpty)
        }
    }

    @Test("1024-byte and 8-byte passwords are accepted (the bounds are inclusive)")
    func passwordBounds() async throws {
        try await withApp { app in
            _ = try await app.register("long@example.com", password: String(repeating: "é", count: 512))
            _ = try await app.register("short@example.com", password: "12345678")
            _ = try await app.login("long@example.com", password: String(repeating: "é", count: 512))
        }
    }

    @Test("registration = closed: 403 registration_closed with a client key, 201 with an admin key")
    func closedRegistration() async throws {
        var settings = AuthTestApp.fastSettings()
        settings.registration = .closed
        try await withApp(settings: settings) { app in
            let body: JSONValue = ["email": "new@example.com", "password": "password123"]
            let refused = await app.client(.POST, "/auth/register", body: body)
            #expect(refused.status == 403)
            #expect(refused.errorCode == "registration_closed")
            let created = await app.send(.POST, "/auth/register", key: app.adminKey, body: body)
            #expect(created.status == 201)
            _ = try await app.login("new@example.com", password: "password123")
            let events = await app.takeAuditEvents()
            #expect(events.first?.details["by"] == "admin")
        }
    }

    @Test("registrations are throttled per IP: 429 rate_limited with Retry-After")
    func throttled() async throws {
        var settings = AuthTestApp.fastSettings()
        settings.registerPerIP = RateLimit(limit: 2, windowSeconds: 3600)
        try await withApp(settings: settings) { app in
            _ = try await app.register("one@example.com")
            _ = try await app.register("two@example.com")
            let third = await app.client(.POST, "/auth/register", body: ["email": "three@example.com", "password": "password123"])
            #expect(third.status == 429)
            #expect(third.errorCode == "rate_limited")
            #expect(third.retryAfter == "1800")
            let otherIP = await app.client(.POST, "/auth/register", body: ["email": "three@example.com", "password": "password123"],
                                           remote: "198.51.100.7")
            #expect(otherIP.status == 201)
            app.clock.advance(seconds: 1800)
            let later = await app.client(.POST, "/auth/register", body: ["email": "four@example.com", "password": "password123"])
            #expect(later.status == 201)
        }
    }
}
