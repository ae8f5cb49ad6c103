import AppBaseCore
import AppBaseHTTP
import Testing
@testable import AppBaseAuth

@Suite("/admin/users")
struct AdminUserTests {
    @Test("GET /admin/users?email= finds a user (normalised email); unknown → empty list")
    func findByEmail() async throws {
        try await withApp { app in
            let ann = try await app.register("ann@example.com")
            let found = await app.send(.GET, "/admin/users", query: "email=%20ANN%40example.com", key: app.adminKey)
            #expect(found.status == 200)
            let users = try #require(found.json?["users"]?.arrayValue)
            #expect(users.count == 1)
            #expect(users.first?["id"]?.stringValue == ann.userID)
            #expect(users.first?["disabled"] == false)
            let none = await app.send(.GET, "/admin/users", query: "email=nobody%40example.com", key: app.adminKey)
            #expect(none.json?["users"]?.arrayValue?.isEmpty == true)
            let bad = await app.send(.GET, "/admin/users", query: "email=nonsense", key: app.adminKey)
            #expect(bad.errorCode == "validation_failed")
        }
    }

    @Test("GET /admin/users pages in creation order")
    func listPages() async throws {
        try await withApp { app in
            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try await app.register("u\(index)@example.com").userID)
                app.clock.advance(milliseconds: 2)
            }
            let page = await app.send(.GET, "/admin/users", query: "limit=2", key: app.adminKey)
            let first = try #require(page.json?["users"]?.arrayValue).compactMap { $0["id"]?.stringValue }
            #expect(first == Array(ids.prefix(2)))
            let next = await app.send(.GET, "/admin/users", query: "limit=10&after=\(ids[1])", key: app.adminKey)
            #expect(try #require(next.json?["users"]?.arrayValue).compactMap { $0["id"]?.stringValue } == Array(ids.dropFirst(2)))
            #expect(await app.send(.GET, "/admin/users", query: "limit=0", key: app.adminKey).errorCode == "validation_failed")
        }
    }

    @Test("GET /admin/users/:id; 404 for an unknown id")
    func getUser() async throws {
        try await withApp { app in
            let ann = try await app.register("ann@example.com")
            let response = await app.send(.GET, "/admin/users/\(ann.userID)", key: app.adminKey)
            #expect(response.json?["user"]?["email"]?.stringValue == "ann@example.com")
            #expect(response.json?["user"]?["updatedAt"] != nil)
            let missing = await app.send(.GET, "/admin/users/nobody", key: app.adminKey)
            #expect(missing.status == 404)
            #expect(missing.errorCode == "not_found")
        }
    }

    @Test("password reset: sets the password and revokes every session of the user")
    func passwordReset() async throws {
        try await withApp { app in
            let first = try await app.register("ann@example.com", password: "old password")
            let second = try await app.login("ann@example.com", password: "old password")
            let bystander = try await app.register("bob@example.com")
            _ = await app.takeAuditEvents()

            let response = await app.send(.POST, "/admin/users/\(first.userID)/password", key: app.adminKey,
                                          body: ["password": "new password"])
            #expect(response.status == 200)
            #expect(response.json?["sessionsRevoked"] == 2)
            for session in [first, second] {
                #expect(await app.client(.GET, "/auth/me", token: session.accessToken).errorCode == "session_revoked")
                #expect(await app.refresh(session.refreshToken).errorCode == "session_revoked")
            }
            #expect(await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": "old password"]).status == 401)
            _ = try await app.login("ann@example.com", password: "new password")
            #expect(await app.client(.GET, "/auth/me", token: bystander.accessToken).status == 200)

            let events = await app.takeAuditEvents()
            #expect(events.first?.action == AuthAuditAction.passwordReset)
            #expect(events.first?.target == first.userID)
            #expect(events.first?.details["sessionsRevoked"] == "2")
            #expect(!events.contains { "\($0)".contains("new password") })
        }
    }

    @Test("password reset validates the password and the user")
    func passwordResetErrors() async throws {
        try await withApp { app in
            let ann = try await app.register("ann@example.com")
            let short = await app.send(.POST, "/admin/users/\(ann.userID)/password", key: app.adminKey, body: ["password": "short"])
            #expect(short.errorCode == "validation_failed")
            let unknown = await app.send(.POST, "/admin/users/nobody/password", key: app.adminKey, body: ["password": "long enough"])
            #expect(unknown.status == 404)
        }
    }

    @Test("disable: login, refresh and access tokens give user_disabled at once; enable restores them")
    func disableAndEnable() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            _ = await app.takeAuditEvents()
            let disabled = await app.send(.PATCH, "/admin/users/\(session.userID)", key: app.adminKey, body: ["disabled": true])
            #expect(disabled.status == 200)
            #expect(disabled.json?["user"]?["disabled"] == true)

            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).errorCode == "user_disabled")
            #expect(await app.refresh(session.refreshToken).errorCode == "user_disabled")
            let login = await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": "correct horse battery"])
            #expect(login.status == 401)
            #expect(login.errorCode == "user_disabled")
            // A wrong password for a disabled user says nothing about the account.
            let wrong = await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": "wrong password"])
            #expect(wrong.errorCode == "invalid_credentials")

            let enabled = await app.send(.PATCH, "/admin/users/\(session.userID)", key: app.adminKey, body: ["disabled": false])
            #expect(enabled.json?["user"]?["disabled"] == false)
            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).status == 200)
            _ = try await app.login("ann@example.com")

            let actions = await app.takeAuditEvents().map(\.action)
            #expect(actions == [AuthAuditAction.userDisabled, AuthAuditAction.loginFailed, AuthAuditAction.loginFailed,
                                AuthAuditAction.userEnabled, AuthAuditAction.login])
            let missing = await app.send(.PATCH, "/admin/users/nobody", key: app.adminKey, body: ["disabled": true])
            #expect(missing.status == 404)
            let badBody = await app.send(.PATCH, "/admin/users/\(session.userID)", key: app.adminKey, body: ["disabled": "yes"])
            #expect(badBody.errorCode == "validation_failed")
        }
    }

    @Test("a client key on any /admin route: 403 forbidden, even with a user token")
    func clientKeyForbidden() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let routes: [(HTTPMethod, String)] = [
                (.GET, "/admin/users"), (.GET, "/admin/users/\(session.userID)"),
                (.PATCH, "/admin/users/\(session.userID)"), (.POST, "/admin/users/\(session.userID)/password"),
            ]
            for (method, path) in routes {
                let response = await app.send(method, path, key: app.clientKey, token: session.accessToken,
                                              body: ["disabled": true, "password": "new password"])
                #expect(response.status == 403, "\(method) \(path)")
                #expect(response.errorCode == "forbidden", "\(method) \(path)")
            }
            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).status == 200)
        }
    }
}
