import AppBaseCore
import AppBaseHTTP
import Testing
@testable import AppBaseAuth
import AppBaseSQLite
import AppBaseRuntime

extension Result where Failure == AppBaseError {
    /// The refusal's code, or nil on success.
    var errorCode: String? {
        if case .failure(let error) = self { return error.code.rawValue }
        return nil
    }
    var status: Int? {
        if case .failure(let error) = self { return error.status }
        return nil
    }
}

@Suite("API keys")
struct APIKeyTests {
    @Test("missing, unknown, malformed and foreign keys")
    func keyChecks() async throws {
        try await withApp { app in
            try await withApp(name: "other") { other in
                let scenarios: [(name: String, key: String?, code: String)] = [
                    ("no key", nil, "missing_api_key"),
                    ("empty key", "", "missing_api_key"),
                    ("unknown well-formed key", OpaqueToken.generateAPIKey(), "invalid_api_key"),
                    ("garbage", "hello", "invalid_api_key"),
                    ("huge", String(repeating: "k", count: 10_000), "invalid_api_key"),
                    ("other app's client key", other.clientKey, "invalid_api_key"),
                    ("other app's admin key", other.adminKey, "invalid_api_key"),
                ]
                for scenario in scenarios {
                    let response = await app.send(.GET, "/auth/me", key: scenario.key)
                    #expect(response.status == 401, "\(scenario.name)")
                    #expect(response.errorCode == scenario.code, "\(scenario.name)")
                    // The key never appears in the error.
                    if let key = scenario.key, !key.isEmpty { #expect(!response.description.contains(key)) }
                }
            }
        }
    }

    @Test("every auth route needs the key, register and login included")
    func routesNeedKey() async throws {
        try await withApp { app in
            let routes: [(HTTPMethod, String)] = [
                (.POST, "/auth/register"), (.POST, "/auth/login"), (.POST, "/auth/refresh"), (.POST, "/auth/logout"),
                (.GET, "/auth/me"), (.GET, "/admin/users"), (.GET, "/admin/users/x"), (.PATCH, "/admin/users/x"),
                (.POST, "/admin/users/x/password"),
            ]
            for (method, path) in routes {
                let response = await app.send(method, path, body: ["email": "a@b.de", "password": "password123"])
                #expect(response.errorCode == "missing_api_key", "\(method) \(path)")
            }
        }
    }

    @Test("identity: key id and kind; the user from the bearer token")
    func identity() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let client = try app.authenticate(AuthTestApp.request(.GET, "/db/x", key: app.clientKey, token: session.accessToken)).get()
            #expect(client.keyKind == .client)
            #expect(client.user?.id == session.userID)
            #expect(client.user?.sessionID == session.sessionID)
            #expect(client.user?.expiresAt == app.clock.nowSeconds() + 900)
            let admin = try app.authenticate(AuthTestApp.request(.GET, "/db/x", key: app.adminKey)).get()
            #expect(admin.isAdmin)
            #expect(admin.user == nil)
            #expect(admin.keyID != client.keyID)
            // `.none` routes look at nothing.
            #expect(try app.authenticate(AuthTestApp.request(.GET, "/health"), auth: .none).get() == .anonymous)
        }
    }

    @Test("query keys: client keys (and tokens) on .apiKeyOrQuery routes only; admin keys in headers only")
    func queryKeys() async throws {
        try await withApp { app in
            let session = try await app.register("ann@example.com")
            let query = "apikey=\(app.clientKey)&token=\(session.accessToken)"
            let viaQuery = app.authenticate(AuthTestApp.request(.GET, "/db/c/subscribe", query: query), auth: .apiKeyOrQuery)
            #expect(try viaQuery.get().user?.id == session.userID)
            #expect(app.authenticate(AuthTestApp.request(.GET, "/db/c", query: query), auth: .apiKey).errorCode == "missing_api_key")
            let adminInQuery = app.authenticate(AuthTestApp.request(.GET, "/db/c/subscribe", query: "apikey=\(app.adminKey)"),
                                                auth: .apiKeyOrQuery)
            #expect(adminInQuery.errorCode == "invalid_api_key")
            #expect(adminInQuery.status == 401)
            // A header key wins over the query; a header token over the query token.
            let mixed = app.authenticate(AuthTestApp.request(.GET, "/db/c/subscribe", query: "apikey=bad&token=bad",
                                                             key: app.adminKey, token: session.accessToken), auth: .apiKeyOrQuery)
            #expect(try mixed.get().isAdmin)
            let badQueryToken = app.authenticate(AuthTestApp.request(.GET, "/s", query: "apikey=\(app.clientKey)&token=x.y.z"),
                                                 auth: .apiKeyOrQuery)
            #expect(badQueryToken.errorCode == "invalid_token")
        }
    }

    @Test("a client key on /admin/* is 403 forbidden, whatever the route; an admin key passes")
    func clientKeyOnAdmin() async throws {
        try await withApp { app in
            for path in ["/admin/users", "/admin", "//admin/users", "/admin/anything/else"] {
                let refused = app.authenticate(AuthTestApp.request(.GET, path, key: app.clientKey))
                #expect(refused.status == 403, "\(path)")
                #expect(refused.errorCode == "forbidden", "\(path)")
                let admin = try app.authenticate(AuthTestApp.request(.GET, path, key: app.adminKey)).get()
                #expect(admin.isAdmin)
            }
            for path in ["/administrator", "/db/admin", "/auth/me"] {
                #expect((try? app.authenticate(AuthTestApp.request(.GET, path, key: app.clientKey)).get()) != nil, "\(path)")
            }
            let response = await app.client(.GET, "/admin/users")
            #expect(response.status == 403)
            #expect(response.errorCode == "forbidden")
        }
    }

    @Test("keys created and revoked with APIKeyAdmin while running take effect on reloadKeys, on the very next request")
    func revocationMidRun() async throws {
        try await withApp { app in
            let created = try APIKeyAdmin.create(databasePath: app.databasePath, name: "mobile", kind: .client, clock: app.clock)
            #expect(created.key.hasPrefix("hs_live_"))
            #expect(OpaqueToken.isWellFormedAPIKey(created.key))
            #expect(created.record.prefix == String(created.key.prefix(12)))
            #expect(await app.send(.GET, "/auth/me", key: created.key).errorCode == "invalid_api_key")
            let changes = app.service.changes.listen()
            _ = await app.takeAuditEvents()
            try await app.service.reloadKeys()
            var iterator = changes.makeAsyncIterator()
            #expect(await iterator.next() != nil)
            // The CLI commits the change's audit entry with it (OperatorAudit, AppBasePlatform); a
            // reload adds none, so nothing is audited twice.
            #expect(await app.takeAuditEvents().isEmpty)
            #expect(await app.send(.GET, "/auth/me", key: created.key).errorCode == "missing_token")

            let revoked = try APIKeyAdmin.revoke(databasePath: app.databasePath, idOrPrefix: created.record.prefix, clock: app.clock)
            #expect(revoked.revokedAt == app.clock.nowMilliseconds())
            try await app.service.reloadKeys()
            #expect(await app.takeAuditActions().isEmpty)
            #expect(await app.send(.GET, "/auth/me", key: created.key).errorCode == "invalid_api_key")
            // The other keys are unaffected.
            #expect(await app.send(.GET, "/auth/me", key: app.clientKey).errorCode == "missing_token")
        }
    }

    @Test("a missed notification is caught by the periodic upkeep (keys_generation moved)")
    func upkeepReloadsKeys() async throws {
        try await withApp { app in
            let keyID = try #require(app.authenticate(AuthTestApp.request(.GET, "/x", key: app.clientKey)).get().keyID)
            _ = try APIKeyAdmin.revoke(databasePath: app.databasePath, idOrPrefix: keyID, clock: app.clock)
            #expect(app.authenticate(AuthTestApp.request(.GET, "/x", key: app.clientKey)).errorCode == nil)
            await app.service.runUpkeep()
            #expect(app.authenticate(AuthTestApp.request(.GET, "/x", key: app.clientKey)).errorCode == "invalid_api_key")
        }
    }

    @Test("the usage flush's probe: nothing to do when idle, work after a key is used, nothing again after the flush")
    func flushProbe() async throws {
        try await withApp { app in
            await app.service.runUpkeep()
            #expect(!app.service.flushMayHaveWork(), "an idle app has nothing to flush")
            _ = app.authenticate(AuthTestApp.request(.GET, "/x", key: app.clientKey))
            #expect(app.service.flushMayHaveWork(), "a key's lastUsedAt waits to be written")
            try await app.service.flushUsage()
            #expect(!app.service.flushMayHaveWork())
        }
    }

    @Test("a reload that read an older key set does not replace a newer one")
    func olderGenerationIgnored() async throws {
        var snapshot = AuthSnapshot()
        let key = StoredAPIKey(record: APIKeyRecord(id: "k1", name: "n", prefix: "hs_live_abcd", kind: .client, createdAt: 0),
                               digest: OpaqueToken.hash("hs_live_x"))
        let first = snapshot.replaceKeys([key], generation: 5)
        let older = snapshot.replaceKeys([], generation: 4)
        #expect(first && !older)
        #expect(snapshot.key(matching: "hs_live_x")?.id == "k1")
        let same = snapshot.replaceKeys([], generation: 5)
        #expect(same)
        #expect(snapshot.key(matching: "hs_live_x") == nil)
    }

    @Test("APIKeyAdmin: list, revoke by id, prefix or whole key; ambiguity and unknown keys are errors")
    func adminOperations() async throws {
        let directory = try AuthTestApp.makeTemporaryDirectory()
        defer { AuthTestApp.removeDirectory(directory) }
        let path = directory + "/app.sqlite"
        let clock = ManualWallClock()
        let first = try APIKeyAdmin.create(databasePath: path, name: "  web  ", kind: .client, clock: clock)
        clock.advance(seconds: 1)
        let second = try APIKeyAdmin.create(databasePath: path, name: "dashboard", kind: .admin, clock: clock)
        let listed = try APIKeyAdmin.list(databasePath: path)
        #expect(listed.map(\.name) == ["web", "dashboard"])
        #expect(listed.map(\.kind) == [.client, .admin])
        #expect(listed.allSatisfy { $0.isActive && $0.lastUsedAt == nil })
        #expect(listed[1].json()["kind"] == "admin")
        #expect(listed[1].json()["revokedAt"] == .null)

        #expect(throws: APIKeyAdminError.ambiguous("hs_live_", matches: 2)) {
            try APIKeyAdmin.revoke(databasePath: path, idOrPrefix: "hs_live_", clock: clock)
        }
        #expect(throws: APIKeyAdminError.notFound("nope")) {
            try APIKeyAdmin.revoke(databasePath: path, idOrPrefix: "nope", clock: clock)
        }
        #expect(throws: APIKeyAdminError.invalidName) {
            try APIKeyAdmin.create(databasePath: path, name: " \n ", kind: .client, clock: clock)
        }
        let unknownKey = OpaqueToken.generateAPIKey()
        do {
            _ = try APIKeyAdmin.revoke(databasePath: path, idOrPrefix: unknownKey, clock: clock)
            Issue.record("revoking an unknown key succeeded")
        } catch {
            #expect(!"\(error)".contains(unknownKey), "a whole key is never echoed")
        }

        let byWholeKey = try APIKeyAdmin.revoke(databasePath: path, idOrPrefix: first.key, clock: clock)
        #expect(byWholeKey.id == first.record.id)
        let byID = try APIKeyAdmin.revoke(databasePath: path, idOrPrefix: second.record.id, clock: clock)
        #expect(byID.revokedAt == clock.nowMilliseconds())
        clock.advance(seconds: 5)
        let again = try APIKeyAdmin.revoke(databasePath: path, idOrPrefix: second.record.id, clock: clock)
        #expect(again.revokedAt == byID.revokedAt, "revoking twice keeps the first time")
        #expect(try APIKeyAdmin.list(databasePath: path).allSatisfy { !$0.isActive })
    }

    @Test("lastUsedAt is kept in memory and flushed periodically and on shutdown, not written per request")
    func lastUsedFlush() async throws {
        let app = try await AuthTestApp.make()
        let commitsBefore = app.environment.writer.commitCount
        for _ in 0..<20 { _ = app.authenticate(AuthTestApp.request(.GET, "/x", key: app.clientKey)) }
        #expect(app.environment.writer.commitCount == commitsBefore)
        #expect(try APIKeyAdmin.list(databasePath: app.databasePath).allSatisfy { $0.lastUsedAt == nil })
        await app.service.flushKeyUsage()
        let used = try APIKeyAdmin.list(databasePath: app.databasePath).first { $0.kind == .client }
        #expect(used?.lastUsedAt == app.clock.nowMilliseconds())

        app.clock.advance(seconds: 30)
        _ = app.authenticate(AuthTestApp.request(.GET, "/x", key: app.adminKey))
        await app.close(removing: false)
        let admin = try APIKeyAdmin.list(databasePath: app.databasePath).first { $0.kind == .admin }
        #expect(admin?.lastUsedAt == app.clock.nowMilliseconds())
        AuthTestApp.removeDirectory(app.directory)
    }
}
