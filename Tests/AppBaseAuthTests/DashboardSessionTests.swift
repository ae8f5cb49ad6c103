import AppBaseCore
import AppBaseHTTP
import Testing
@testable import AppBaseAuth

/// Dashboard sign-in: the setup link, sessions, the throttle, and the rule that the cookie acts only
/// with its CSRF header and only from the same origin (ADR 0030).
@Suite("Dashboard sessions")
struct DashboardSessionTests {
    static let password = "correct horse battery"

    /// The token of the pending setup link.
    static func setupToken(_ app: AuthTestApp) throws -> String {
        let path = try #require(app.service.dashboardSetupPath)
        return String(try #require(path.split(separator: "=", maxSplits: 1).last))
    }

    static func setup(_ app: AuthTestApp, token: String, email: String = "ops@example.com") async -> TestResponse {
        await app.send(.POST, "/dashboard/api/setup",
                       body: ["token": .string(token), "email": .string(email), "password": .string(password)])
    }

    /// The cookie value of a `Set-Cookie: appbase_dashboard=…` answer.
    static func cookie(_ response: TestResponse) throws -> String {
        let header = try #require(response.headers["set-cookie"])
        let pair = try #require(header.split(separator: ";").first)
        #expect(pair.hasPrefix("appbase_dashboard="))
        return String(pair)
    }

    /// A signed-in session: `(cookie header value, csrf token)`.
    static func signIn(_ app: AuthTestApp, email: String = "ops@example.com") async throws -> (cookie: String, csrf: String) {
        let response = await app.send(.POST, "/dashboard/api/session",
                                      body: ["email": .string(email), "password": .string(password)])
        try #require(response.status == 200, "sign-in: \(response)")
        return (try cookie(response), try #require(response.json?["csrfToken"]?.stringValue))
    }

    /// Creates an admin the way the CLI does, then tells the service.
    static func createAdmin(_ app: AuthTestApp, email: String = "ops@example.com") async throws {
        _ = try DashboardAdminAdmin.create(databasePath: app.databasePath, email: email, password: password,
                                           argon2MemoryKiB: 8, argon2Iterations: 1, clock: app.clock)
        try await app.service.reloadDashboard()
    }

    @Test("setup: 201 with the cookie and a CSRF token; the link then stops working and disappears")
    func setupOnce() async throws {
        try await withApp { app in
            let token = try Self.setupToken(app)
            let first = await Self.setup(app, token: token)
            #expect(first.status == 201)
            #expect(first.json?["admin"]?["email"]?.stringValue == "ops@example.com")
            #expect(first.json?["csrfToken"]?.stringValue?.utf8.count == 43)
            let header = try #require(first.headers["set-cookie"])
            #expect(header.contains("HttpOnly") && header.contains("SameSite=Strict") && header.contains("Path=/")
                && header.contains("Max-Age=43200") && !header.contains("Secure"))
            #expect(app.service.dashboardSetupPath == nil)
            let again = await Self.setup(app, token: token, email: "second@example.com")
            #expect(again.status == 403)
            #expect(again.errorCode == "forbidden")
            let events = await app.takeAuditEvents().filter { $0.action.hasPrefix("dashboard.") }
            #expect(events.map(\.action) == ["dashboard.setup"])
            #expect(events.first?.actor.kind == "dashboard_admin")
        }
    }

    @Test("setup: an expired or wrong token is 403, and so is any token once an admin exists")
    func setupRefusals() async throws {
        let clock = ManualWallClock()
        try await withApp(clock: clock) { app in
            let token = try Self.setupToken(app)
            let wrong = await Self.setup(app, token: String(repeating: "A", count: 43))
            #expect(wrong.status == 403)
            let malformed = await Self.setup(app, token: "nope")
            #expect(malformed.status == 403)
            clock.advance(seconds: 24 * 3600 + 1)
            #expect(app.service.dashboardSetupPath == nil)
            let expired = await Self.setup(app, token: token)
            #expect(expired.status == 403)
        }
        try await withApp { app in
            let token = try Self.setupToken(app)
            try await Self.createAdmin(app)
            #expect(app.service.dashboardSetupPath == nil)
            let afterCLI = await Self.setup(app, token: token)
            #expect(afterCLI.status == 403)
        }
    }

    @Test("sign in, read the session back, sign out: the cookie stops working at once")
    func loginLogout() async throws {
        try await withApp { app in
            try await Self.createAdmin(app)
            let (cookie, csrf) = try await Self.signIn(app)
            let me = await app.send(.GET, "/dashboard/api/session", headers: [("Cookie", cookie)])
            #expect(me.status == 200)
            #expect(me.json?["csrfToken"]?.stringValue == csrf)
            let users = await app.send(.GET, "/admin/users", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])
            #expect(users.status == 200)
            let identity = try app.authenticate(AuthTestApp.request(.GET, "/admin/users",
                                                                    headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])).get()
            #expect(identity.isAdmin && identity.keyID == nil && identity.dashboardAdminID != nil)
            #expect(app.service.revalidate(identity, nowSeconds: app.clock.nowSeconds()) == nil)

            let noCSRF = await app.send(.DELETE, "/dashboard/api/session", headers: [("Cookie", cookie)])
            #expect(noCSRF.status == 403)
            let out = await app.send(.DELETE, "/dashboard/api/session", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])
            #expect(out.status == 200)
            #expect(out.headers["set-cookie"]?.contains("Max-Age=0") == true)
            #expect(app.service.revalidate(identity, nowSeconds: app.clock.nowSeconds()) == .sessionRevoked)
            let after = await app.send(.GET, "/admin/users", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])
            #expect(after.status == 401)
            #expect(after.errorCode == "unauthorized")
            let gone = await app.send(.GET, "/dashboard/api/session", headers: [("Cookie", cookie)])
            #expect(gone.status == 401)
        }
    }

    @Test("wrong password and unknown email: the same 401 invalid_credentials; then 429 from the throttle")
    func credentialsAndThrottle() async throws {
        var settings = AuthTestApp.fastSettings()
        settings.loginPerIPAndEmail = RateLimit(limit: 3, windowSeconds: 60)
        try await withApp(settings: settings) { app in
            try await Self.createAdmin(app)
            let unknown = await app.send(.POST, "/dashboard/api/session",
                                         body: ["email": "nobody@example.com", "password": .string(Self.password)])
            #expect(unknown.status == 401 && unknown.errorCode == "invalid_credentials")
            var statuses: [Int] = []
            for _ in 0..<4 {
                let wrong = await app.send(.POST, "/dashboard/api/session", body: ["email": "ops@example.com", "password": "wrong password"])
                statuses.append(wrong.status)
            }
            #expect(statuses == [401, 401, 401, 429])
            // App logins have their own budget: the dashboard throttle does not lock users out.
            let register = await app.client(.POST, "/auth/register", body: ["email": "ops@example.com", "password": .string(Self.password)])
            #expect(register.status == 201)
            let appLogin = await app.client(.POST, "/auth/login", body: ["email": "ops@example.com", "password": .string(Self.password)])
            #expect(appLogin.status == 200)
        }
    }

    @Test("the cookie without X-CSRF-Token is ignored; a wrong token is 403; only /admin, /db, /storage")
    func csrfRules() async throws {
        try await withApp { app in
            try await Self.createAdmin(app)
            let (cookie, csrf) = try await Self.signIn(app)
            let missing = await app.send(.GET, "/admin/users", headers: [("Cookie", cookie)])
            #expect(missing.status == 401 && missing.errorCode == "missing_api_key")
            let wrong = await app.send(.GET, "/admin/users", headers: [("Cookie", cookie), ("X-CSRF-Token", String(repeating: "x", count: 43))])
            #expect(wrong.status == 403 && wrong.errorCode == "forbidden")
            let noCookie = await app.send(.GET, "/admin/users", headers: [("X-CSRF-Token", csrf)])
            #expect(noCookie.status == 401 && noCookie.errorCode == "missing_api_key")
            let authRoute = await app.send(.GET, "/auth/me", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])
            #expect(authRoute.status == 401 && authRoute.errorCode == "missing_api_key")
            for path in ["/admin/users", "/db/collections/notes", "/storage/buckets/docs"] {
                #expect(DashboardAuth.acceptsSession(path: path))
            }
            #expect(!DashboardAuth.acceptsSession(path: "/administrator") && !DashboardAuth.acceptsSession(path: "/dashboard/api/session"))
            // Another session's CSRF token does not fit this cookie.
            let (_, otherCSRF) = try await Self.signIn(app)
            let crossed = await app.send(.GET, "/admin/users", headers: [("Cookie", cookie), ("X-CSRF-Token", otherCSRF)])
            #expect(crossed.status == 403)
            // A key in the request wins; the cookie plays no part.
            let keyed = await app.send(.GET, "/admin/users", key: app.clientKey, headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])
            #expect(keyed.status == 403)
        }
    }

    @Test("a cross-origin request's cookie is ignored, with the right CSRF token too")
    func crossOrigin() async throws {
        try await withApp { app in
            try await Self.createAdmin(app)
            let (cookie, csrf) = try await Self.signIn(app)
            let base: [(String, String)] = [("Host", "127.0.0.1:3101"), ("Cookie", cookie), ("X-CSRF-Token", csrf)]
            let sameOrigin = await app.send(.GET, "/admin/users", headers: base + [("Origin", "http://127.0.0.1:3101"),
                                                                                    ("Sec-Fetch-Site", "same-origin")])
            #expect(sameOrigin.status == 200)
            for extra in [[("Origin", "http://evil.example")], [("Origin", "http://127.0.0.1:3102")], [("Origin", "null")],
                          [("Sec-Fetch-Site", "cross-site")], [("Sec-Fetch-Site", "same-site")]] {
                let response = await app.send(.GET, "/admin/users", headers: base + extra)
                #expect(response.status == 401 && response.errorCode == "missing_api_key", "\(extra)")
            }
            let read = await app.send(.GET, "/dashboard/api/session", headers: base + [("Origin", "http://evil.example")])
            #expect(read.status == 401)
        }
    }

    @Test("removing an admin with the CLI ends their sessions on the next request")
    func removedAdmin() async throws {
        try await withApp { app in
            try await Self.createAdmin(app)
            let (cookie, csrf) = try await Self.signIn(app)
            _ = try DashboardAdminAdmin.remove(databasePath: app.databasePath, idOrEmail: "OPS@example.com")
            try await app.service.reloadDashboard()
            let after = await app.send(.GET, "/admin/users", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])
            #expect(after.status == 401)
            #expect(throws: DashboardAdminError.notFound("ops@example.com")) {
                try DashboardAdminAdmin.remove(databasePath: app.databasePath, idOrEmail: "ops@example.com")
            }
        }
    }
}
