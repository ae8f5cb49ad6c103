import AppBaseCore
import AppBaseHTTP
import Testing
@testable import AppBaseAuth
import OrderedCollections

@Suite("Logout, me and revalidation")
struct SessionTests {
    @Test("GET /auth/me returns {user:{id,email,createdAt}}")
    func me() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let response = await app.client(.GET, "/auth/me", token: session.accessToken)
            #expect(response.status == 200)
            let user = try #require(response.json?["user"])
            #expect(user["id"]?.stringValue == session.userID)
            #expect(user["email"]?.stringValue == "ann@example.com")
            #expect(user.objectValue?.count == 3)
        }
    }

    @Test("logout: 204; the session's access tokens get session_revoked and its refresh token stops working")
    func logout() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let refreshed = try Session(await app.refresh(session.refreshToken))
            let other = try await app.login("ann@example.com")
            _ = await app.takeAuditEvents()

            let response = await app.client(.POST, "/auth/logout", token: refreshed.accessToken)
            #expect(response.status == 204)
            for token in [session.accessToken, refreshed.accessToken] {
                let me = await app.client(.GET, "/auth/me", token: token)
                #expect(me.status == 401)
                #expect(me.errorCode == "session_revoked")
            }
            #expect(await app.refresh(refreshed.refreshToken).errorCode == "session_revoked")
            #expect(await app.client(.POST, "/auth/logout", token: refreshed.accessToken).errorCode == "session_revoked")
            // Other sessions of the same user live on.
            #expect(await app.client(.GET, "/auth/me", token: other.accessToken).status == 200)

            let events = await app.takeAuditEvents()
            #expect(events.map(\.action) == [AuthAuditAction.logout])
            #expect(events.first?.target == session.sessionID)
            #expect(events.first?.actor.userID == session.userID)
        }
    }

    @Test("revalidate follows the snapshot, and changes fires on every change")
    func revalidate() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let identity = try app.authenticate(AuthTestApp.request(.GET, "/x", key: app.clientKey, token: session.accessToken)).get()
            let now = app.clock.nowSeconds()
            #expect(app.service.revalidate(identity, nowSeconds: now) == nil)
            #expect(app.service.revalidate(identity, nowSeconds: now + 900) == .tokenExpired)

            let changes = app.service.changes.listen()
            var iterator = changes.makeAsyncIterator()
            _ = await app.client(.POST, "/auth/logout", token: session.accessToken)
            #expect(await iterator.next() != nil)
            #expect(app.service.revalidate(identity, nowSeconds: now) == .sessionRevoked)

            let second = try await app.login("ann@example.com")
            let secondIdentity = try app.authenticate(AuthTestApp.request(.GET, "/x", key: app.clientKey, token: second.accessToken)).get()
            _ = await app.send(.PATCH, "/admin/users/\(session.userID)", key: app.adminKey, body: ["disabled": true])
            #expect(await iterator.next() != nil)
            #expect(app.service.revalidate(secondIdentity, nowSeconds: now) == .userDisabled)

            let keyID = try #require(identity.keyID)
            _ = try APIKeyAdmin.revoke(databasePath: app.databasePath, idOrPrefix: keyID, clock: app.clock)
            try await app.service.reloadKeys()
            #expect(await iterator.next() != nil)
            #expect(app.service.revalidate(Identity(keyID: keyID, keyKind: .client), nowSeconds: now) == .invalidAPIKey)
        }
    }

    @Test("revoked sessions are remembered across a restart (for the access tokens' remaining lifetime)")
    func revocationSurvivesRestart() async throws {
        let directory = try AuthTestApp.makeTemporaryDirectory()
        let clock = ManualWallClock()
        let secret = (0..<32).map { UInt8($0) }
        let first = try await AuthTestApp.make(clock: clock, directory: directory, masterSecret: secret)
        let session = try await first.register("ann@example.com")
        let disabled = try await first.register("bob@example.com")
        _ = await first.client(.POST, "/auth/logout", token: session.accessToken)
        _ = await first.send(.PATCH, "/admin/users/\(disabled.userID)", key: first.adminKey, body: ["disabled": true])
        await first.close(removing: false)

        let second = try await AuthTestApp.make(clock: clock, directory: directory, masterSecret: secret)
        #expect(await second.client(.GET, "/auth/me", token: session.accessToken).errorCode == "session_revoked")
        #expect(await second.client(.GET, "/auth/me", token: disabled.accessToken).errorCode == "user_disabled")
        // Upkeep forgets revocations older than one token lifetime: their tokens are expired anyway.
        clock.advance(seconds: 900 + 61)
        await second.service.runUpkeep()
        #expect(second.service.snapshots.value.revokedSessions.isEmpty)
        #expect(await second.client(.GET, "/auth/me", token: session.accessToken).errorCode == "token_expired")
        await second.close()
    }

    @Test("lifecycle: start twice refuses; handlers answer 503 unavailable after shutdown")
    func lifecycle() async throws {
        let app = try await AuthTestApp.make()
        await #expect(throws: AppBaseError.self) { try await app.service.start() }
        await app.service.shutdown()
        let response = await app.client(.POST, "/auth/login", body: ["email": "a@b.de", "password": "password"])
        #expect(response.status == 503)
        #expect(response.errorCode == "unavailable")
        await app.close()
    }
}
