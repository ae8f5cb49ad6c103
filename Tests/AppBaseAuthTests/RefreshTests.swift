import AppBaseCore
import AppBaseHTTP
import Testing
@testable import AppBaseAuth
import AppBaseSQLite
import AppBaseRuntime

@Suite("POST /auth/refresh")
struct RefreshTests {
    @Test("rotates: a new pair of the same session; the old refresh token is spent")
    func rotates() async throws {
        try await withApp { app in
            let first = try await app.register("ann@example.com")
            app.clock.advance(seconds: 60)
            let response = await app.refresh(first.refreshToken)
            #expect(response.status == 200)
            #expect(response.headers["cache-control"] == "no-store")
            let second = try Session(response)
            #expect(second.userID == first.userID)
            #expect(second.sessionID == first.sessionID)
            #expect(second.refreshToken != first.refreshToken)
            #expect(second.accessToken != first.accessToken)
            #expect(second.claims?["iat"]?.intValue == app.clock.nowSeconds())
            #expect(await app.client(.GET, "/auth/me", token: second.accessToken).status == 200)
            let third = try Session(await app.refresh(second.refreshToken))
            #expect(third.sessionID == first.sessionID)
            let actions = await app.takeAuditActions()
            #expect(actions == [AuthAuditAction.register, AuthAuditAction.refresh, AuthAuditAction.refresh])
        }
    }

    @Test("within the grace window a rotated token gets the same successor pair again: no new branch")
    func graceWindowIsIdempotent() async throws {
        try await withApp { app in
            let first = try await app.register("ann@example.com")
            let second = try Session(await app.refresh(first.refreshToken))
            app.clock.advance(seconds: 10)  // exactly at the edge: still inside
            let retried = await app.refresh(first.refreshToken)
            #expect(retried.status == 200)
            let again = try Session(retried)
            #expect(again.refreshToken == second.refreshToken)
            #expect(again.accessToken == second.accessToken)
            #expect(again.expiresIn == second.expiresIn - 10)  // the same token, 10 s older
            // The session has exactly the two tokens of one chain: nothing was forked.
            #expect(try await app.refreshTokenCount(session: first.sessionID) == 2)
            #expect(await app.refresh(second.refreshToken).status == 200)
            let events = await app.takeAuditEvents().filter { $0.action == AuthAuditAction.refresh }
            #expect(events.map { $0.details["grace"] } == [nil, "true", nil])
        }
    }

    @Test("reuse after the grace window: 401 refresh_token_reused, and the whole session family is revoked")
    func reuseRevokesFamily() async throws {
        try await withApp { app in
            let first = try await app.register("ann@example.com")
            let second = try Session(await app.refresh(first.refreshToken))
            let third = try Session(await app.refresh(second.refreshToken))
            let other = try await app.login("ann@example.com")  // another session of the same user
            let changes = app.service.changes.listen()
            app.clock.advance(seconds: 11)

            let reused = await app.refresh(first.refreshToken)
            #expect(reused.status == 401)
            #expect(reused.errorCode == "refresh_token_reused")
            var iterator = changes.makeAsyncIterator()
            #expect(await iterator.next() != nil)

            // Every token of the family is dead: the current refresh token and the access tokens.
            let current = await app.refresh(third.refreshToken)
            #expect(current.status == 401)
            #expect(current.errorCode == "session_revoked")
            #expect(await app.client(.GET, "/auth/me", token: third.accessToken).errorCode == "session_revoked")
            #expect(await app.client(.GET, "/auth/me", token: first.accessToken).errorCode == "session_revoked")
            // Presenting the reused token again changes nothing more.
            #expect(await app.refresh(first.refreshToken).errorCode == "session_revoked")
            // The user's other session is untouched.
            #expect(await app.client(.GET, "/auth/me", token: other.accessToken).status == 200)
            #expect(await app.refresh(other.refreshToken).status == 200)

            let events = await app.takeAuditEvents().filter { $0.action == AuthAuditAction.refreshReuseDetected }
            #expect(events.count == 1)
            #expect(events.first?.target == first.sessionID)
            #expect(events.first?.actor.userID == first.userID)
        }
    }

    @Test("unknown, malformed and expired refresh tokens: 401 invalid_refresh_token")
    func invalidTokens() async throws {
        try await withApp(settings: AuthTestApp.fastSettings(refreshTokenTTLSeconds: 3600)) { app in
            let session = try await app.register("ann@example.com")
            for token in ["", "short", String(repeating: "A", count: 43), session.refreshToken + "x", session.accessToken] {
                let response = await app.refresh(token)
                #expect(response.status == 401, "\(token.prefix(8))")
                #expect(response.errorCode == "invalid_refresh_token")
            }
            let missing = await app.client(.POST, "/auth/refresh", body: [:])
            #expect(missing.errorCode == "validation_failed")

            app.clock.advance(seconds: 3600)
            let expired = await app.refresh(session.refreshToken)
            #expect(expired.errorCode == "invalid_refresh_token")
        }
    }

    @Test("refresh extends the refresh token's lifetime (sliding expiry)")
    func slidingExpiry() async throws {
        try await withApp(settings: AuthTestApp.fastSettings(refreshTokenTTLSeconds: 3600)) { app in
            var session = try await app.register("ann@example.com")
            for _ in 0..<3 {
                app.clock.advance(seconds: 3000)
                session = try Session(await app.refresh(session.refreshToken))
            }
            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).status == 200)
        }
    }

    @Test("five concurrent refreshes of one token: all get the same pair, one family, session still live")
    func concurrentRefresh() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let responses = await withTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<5 { group.addTask { await app.refresh(session.refreshToken) } }
                return await group.reduce(into: [TestResponse]()) { $0.append($1) }
            }
            #expect(responses.map(\.status) == [200, 200, 200, 200, 200])
            let pairs = Set(try responses.map { try Session($0) }.map { [$0.refreshToken, $0.accessToken] })
            #expect(pairs.count == 1)
            #expect(try await app.refreshTokenCount(session: session.sessionID) == 2)
            #expect(await app.client(.GET, "/auth/me", token: session.accessToken).status == 200)
            let successor = try #require(pairs.first?.first)
            #expect(await app.refresh(successor).status == 200)
        }
    }
}

extension AuthTestApp {
    /// The number of refresh tokens (current and rotated) stored for a session.
    func refreshTokenCount(session sessionID: String) async throws -> Int {
        try await environment.readers.read { connection in
            try connection.queryOne("SELECT COUNT(*) FROM auth_refresh_tokens WHERE session_id = ?", [.text(sessionID)]) {
                Int($0.int64(0))
            } ?? 0
        }
    }
}
