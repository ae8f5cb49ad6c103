import AppBasePlatform
import AppBaseTestSupport
import Testing

/// `/admin/users…` against the assembled server: prefix search with cursor pages, the User shape,
/// sessions listed and revoked, deletion keeping or deleting the user's records and files.
extension AssembledServerScenarios {
    /// Registers `email` on alpha with the client key; captures `<name>` (user id) and `<name>Token`.
    static func register(_ name: String, _ email: String) -> APIScenario {
        APIScenario(name: "\(name) registers", port: .app("alpha"), method: "POST", path: "/auth/register",
                    headers: [.apiKey("{{alpha.client}}"), .json],
                    body: #"{"email":"\#(email)","password":"correct horse battery"}"#,
                    expectedStatus: 201, expectedEvents: [.audit("auth.register", app: "alpha", target: "{{\(name)}}")],
                    captures: [name: "user.id", "\(name)Token": "accessToken"])
    }

    /// Logs `email` in on alpha; captures `<name>Token`.
    static func login(_ name: String, _ email: String) -> APIScenario {
        APIScenario(name: "\(name) logs in", port: .app("alpha"), method: "POST", path: "/auth/login",
                    headers: [.apiKey("{{alpha.client}}"), .json, ScenarioHeader("User-Agent", "scenario-browser/1.0")],
                    body: #"{"email":"\#(email)","password":"correct horse battery"}"#,
                    expectedStatus: 200, expectedEvents: [.audit("auth.login", app: "alpha", target: "{{\(name)}}")],
                    captures: ["\(name)Token": "accessToken"])
    }

    /// `<name>` (registered with `register`) creates a record with `body` in `collection` on alpha;
    /// captures its id as `capture` when given.
    static func write(_ name: String, _ body: String, into collection: String, capture: String? = nil) -> APIScenario {
        APIScenario(name: "\(name) writes \(body) into \(collection)", port: .app("alpha"), method: "POST",
                    path: "/db/collections/\(collection)",
                    headers: [.apiKey("{{alpha.client}}"), .bearer("{{\(name)Token}}"), .json], body: body,
                    expectedStatus: 201, expectedEvents: [.audit("record.create", app: "alpha")],
                    captures: capture.map { [$0: "id"] } ?? [:])
    }

    static let adminUserSearch: [APIScenario] = [
        register("alan", "adm.alan@example.com"),
        register("alice", "adm.alice@example.com"),
        register("amos", "adm.amos@example.com"),
        APIScenario(name: "a client key cannot search users",
                    port: .app("alpha"), path: "/admin/users?emailPrefix=adm.", headers: [.apiKey("{{alpha.client}}")],
                    expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "the first page of the prefix adm.al holds alan, in email order, with a cursor",
                    port: .app("alpha"), path: "/admin/users?emailPrefix=ADM.al&limit=1", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200,
                    expectedContent: [#""email":"adm.alan@example.com""#, #""disabled":false"#, #""sessions":1"#,
                                      #""lastLoginAt":"20"#, #""updatedAt":"20"#],
                    notExpectedContent: ["adm.alice", "adm.amos", #""next":null"#],
                    captures: ["next": "next"]),
        APIScenario(name: "the next page holds alice and ends",
                    port: .app("alpha"), path: "/admin/users?emailPrefix=adm.al&limit=1&cursor={{next}}",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""email":"adm.alice@example.com""#, #""next":null"#],
                    notExpectedContent: ["adm.alan", "adm.amos"]),
        APIScenario(name: "a prefix matching nobody is an empty page",
                    port: .app("alpha"), path: "/admin/users?emailPrefix=adm.zz", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#"{"items":[],"users":[],"next":null}"#]),
        APIScenario(name: "a cursor that is not one is 400",
                    port: .app("alpha"), path: "/admin/users?cursor=not-a-cursor", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 400, expectedContent: [#""code":"bad_request""#]),
        APIScenario(name: "a prefix search's cursor is 400 in creation order",
                    port: .app("alpha"), path: "/admin/users?cursor={{next}}", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 400, expectedContent: [#""code":"bad_request""#]),
        APIScenario(name: "limit 0 is 400",
                    port: .app("alpha"), path: "/admin/users?limit=0", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 400, expectedContent: [#""code":"validation_failed""#, #""field":"limit""#]),
        APIScenario(name: "limit 201 is 400",
                    port: .app("alpha"), path: "/admin/users?limit=201", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 400, expectedContent: [#""code":"validation_failed""#]),
        APIScenario(name: "creation order pages with a cursor too",
                    port: .app("alpha"), path: "/admin/users?limit=1", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""items":[{"#, #""next":""#], notExpectedContent: [#""next":null"#],
                    captures: ["byCreation": "next"]),
        APIScenario(name: "its cursor leads to the next user",
                    port: .app("alpha"), path: "/admin/users?limit=1&cursor={{byCreation}}", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""items":[{"#]),
        APIScenario(name: "the exact email lookup stays, with the User shape",
                    port: .app("alpha"), path: "/admin/users?email=ADM.amos%40example.com", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200,
                    expectedContent: [#""users":[{"id":"{{amos}}""#, #""items":[{"id":"{{amos}}""#, #""next":null"#]),
        APIScenario(name: "one user, with last login and active sessions",
                    port: .app("alpha"), path: "/admin/users/{{alice}}", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200,
                    expectedContent: [#""user":{"id":"{{alice}}","email":"adm.alice@example.com""#, #""sessions":1"#,
                                      #""lastLoginAt":"20"#]),
        APIScenario(name: "an unknown user is 404",
                    port: .app("alpha"), path: "/admin/users/nobody", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
    ]

    static let adminSessions: [APIScenario] = [
        register("sal", "adm.sal@example.com"),
        register("sue", "adm.sue@example.com"),
        login("sal", "adm.sal@example.com"),
        APIScenario(name: "sal has two sessions, newest first, with address and browser",
                    port: .app("alpha"), path: "/admin/users/{{sal}}/sessions", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200,
                    expectedContent: [#""ip":"127.0.0.1""#, #""userAgent":"scenario-browser/1.0""#, #""revokedAt":null"#,
                                      #""expiresAt":"20"#, #""lastUsedAt":"20"#],
                    captures: ["salSession": "items.0.id", "salFirstSession": "items.1.id"]),
        APIScenario(name: "the client key cannot list sessions",
                    port: .app("alpha"), path: "/admin/users/{{sal}}/sessions", headers: [.apiKey("{{alpha.client}}")],
                    expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "an unknown user's sessions are 404",
                    port: .app("alpha"), path: "/admin/users/nobody/sessions", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "sal's token works",
                    port: .app("alpha"), path: "/auth/me", headers: [.apiKey("{{alpha.client}}"), .bearer("{{salToken}}")],
                    expectedStatus: 200),
        APIScenario(name: "the admin revokes sal's newest session",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{sal}}/sessions/{{salSession}}",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""session":{"id":"{{salSession}}""#, #""revokedAt":"20"#],
                    expectedEvents: [.audit("auth.sessions.revoked", app: "alpha", target: "{{sal}}", keyID: "{{alpha.adminID}}")]),
        APIScenario(name: "its token is refused on the next request",
                    port: .app("alpha"), path: "/auth/me", headers: [.apiKey("{{alpha.client}}"), .bearer("{{salToken}}")],
                    expectedStatus: 401, expectedContent: [#""code":"session_revoked""#]),
        APIScenario(name: "revoking it again changes nothing",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{sal}}/sessions/{{salSession}}",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 200, expectedContent: [#""revokedAt":"20"#]),
        APIScenario(name: "sal's session is not sue's: 404",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{sue}}/sessions/{{salFirstSession}}",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "an unknown session is 404",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{sal}}/sessions/nothing",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "the client key cannot revoke sessions",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{sal}}/sessions",
                    headers: [.apiKey("{{alpha.client}}")], expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "the user now counts one active session",
                    port: .app("alpha"), path: "/admin/users/{{sal}}", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""sessions":1"#]),
        login("sal", "adm.sal@example.com"),
        APIScenario(name: "the admin revokes all of sal's sessions",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{sal}}/sessions",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#"{"sessionsRevoked":2}"#],
                    expectedEvents: [.audit("auth.sessions.revoked", app: "alpha", target: "{{sal}}")]),
        APIScenario(name: "the newest token is refused too",
                    port: .app("alpha"), path: "/auth/me", headers: [.apiKey("{{alpha.client}}"), .bearer("{{salToken}}")],
                    expectedStatus: 401, expectedContent: [#""code":"session_revoked""#]),
        APIScenario(name: "again: nothing left to revoke",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{sal}}/sessions",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#"{"sessionsRevoked":0}"#],
                    expectedEvents: [.audit("auth.sessions.revoked", app: "alpha", target: "{{sal}}")]),
        APIScenario(name: "revoking all sessions of an unknown user is 404",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/nobody/sessions",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "sue's session was never touched",
                    port: .app("alpha"), path: "/auth/me", headers: [.apiKey("{{alpha.client}}"), .bearer("{{sueToken}}")],
                    expectedStatus: 200),
    ]

    static let adminUserDeletion: [APIScenario] = [
        register("dora", "adm.dora@example.com"),
        register("dan", "adm.dan@example.com"),
        Self.write("dora", #"{"text":"one"}"#, into: "admnotes", capture: "doraNote1"),
        Self.write("dora", #"{"text":"two"}"#, into: "admdiary", capture: "doraNote2"),
        Self.write("dan", #"{"text":"dan's"}"#, into: "admnotes", capture: "danNote"),
        APIScenario(name: "dora uploads a file", port: .app("alpha"), method: "POST",
                    path: "/storage/buckets/admfiles/upload?name=dora.txt",
                    headers: [.apiKey("{{alpha.client}}"), .bearer("{{doraToken}}"), ScenarioHeader("Content-Type", "text/plain")],
                    body: "dora's file", expectedStatus: 201,
                    expectedEvents: [.audit("file.upload", app: "alpha")], otherEvents: .allowed, captures: ["doraFile": "id"]),
        APIScenario(name: "records must be keep or delete",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{dora}}?records=all",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 400, expectedContent: [#""code":"validation_failed""#, #""field":"records""#]),
        APIScenario(name: "the client key cannot delete users",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{dora}}",
                    headers: [.apiKey("{{alpha.client}}")], expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "deleting an unknown user is 404",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/nobody?records=delete",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "the admin deletes dora with her records and files",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{dora}}?records=delete",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200,
                    expectedContent: [#""user":{"id":"{{dora}}""#, #""sessionsRevoked":1"#, #""recordsDeleted":2"#,
                                      #""filesDeleted":1"#],
                    expectedEvents: [.audit("record.delete", app: "alpha", keyID: "{{alpha.adminID}}"),
                                     .audit("record.delete", app: "alpha"),
                                     .audit("file.delete", app: "alpha", target: "admfiles/{{doraFile}}"),
                                     .audit("auth.user.deleted", app: "alpha", target: "{{dora}}", keyID: "{{alpha.adminID}}")]),
        APIScenario(name: "her token is refused", port: .app("alpha"), path: "/auth/me",
                    headers: [.apiKey("{{alpha.client}}"), .bearer("{{doraToken}}")],
                    expectedStatus: 401, expectedContent: [#""code":"session_revoked""#]),
        APIScenario(name: "she is gone", port: .app("alpha"), path: "/admin/users/{{dora}}",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404),
        APIScenario(name: "deleting her again is 404", port: .app("alpha"), method: "DELETE", path: "/admin/users/{{dora}}",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "she cannot log in", port: .app("alpha"), method: "POST", path: "/auth/login",
                    headers: [.apiKey("{{alpha.client}}"), .json],
                    body: #"{"email":"adm.dora@example.com","password":"correct horse battery"}"#,
                    expectedStatus: 401, expectedContent: [#""code":"invalid_credentials""#], otherEvents: .allowed),
        APIScenario(name: "her notes are gone, dan's stays", port: .app("alpha"), path: "/db/collections/admnotes",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: ["{{danNote}}"], notExpectedContent: ["{{doraNote1}}"]),
        APIScenario(name: "her other note is gone", port: .app("alpha"), path: "/db/collections/admdiary/{{doraNote2}}",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404),
        APIScenario(name: "her file is gone", port: .app("alpha"), path: "/storage/buckets/admfiles/{{doraFile}}",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404),
        APIScenario(name: "the admin deletes dan, keeping his records (the default)",
                    port: .app("alpha"), method: "DELETE", path: "/admin/users/{{dan}}",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""recordsDeleted":0"#, #""filesDeleted":0"#, #""sessionsRevoked":1"#],
                    expectedEvents: [.audit("auth.user.deleted", app: "alpha", target: "{{dan}}")]),
        APIScenario(name: "dan's note stays, owned by the deleted id", port: .app("alpha"),
                    path: "/db/collections/admnotes/{{danNote}}", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""ownerId":"{{dan}}""#]),
    ]

    @Test("Deleting a user's records writes their change-feed deletes: an open stream sees them")
    func userDeletionFeedsTheChangeFeed() async throws {
        let server = try #require(LiveServer.current)
        var runner = ScenarioRunner(server: server)
        await runner.run([
            Self.register("fay", "adm.fay@example.com"),
            Self.write("fay", #"{"n":1}"#, into: "admerase", capture: "fayNote"),
        ])
        let port = try #require(server.ports.apps["alpha"])
        let admin = try #require(server.keys["alpha"]?.admin)
        let stream = try await ServerSentEventReader.open(port: port, path: "/db/collections/admerase/subscribe",
                                                          headers: [("X-API-Key", admin)])
        #expect(stream.status == 200)
        _ = try await stream.events { $0.event == "ready" }
        await runner.run([
            APIScenario(name: "the admin deletes fay with her records",
                        port: .app("alpha"), method: "DELETE", path: "/admin/users/{{fay}}?records=delete",
                        headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 200, expectedContent: [#""recordsDeleted":1"#],
                        expectedEvents: [.audit("record.delete", app: "alpha", target: "admerase/{{fayNote}}"),
                                         .audit("auth.user.deleted", app: "alpha", target: "{{fay}}")]),
        ])
        let seen = try await stream.events { $0.event == "delete" }
        #expect(seen.last?.event == "delete")
        #expect(seen.last?.data.contains(runner.resolve("{{fayNote}}", for: "stream")) == true)
        await stream.close()
    }

    @Test("/admin/users: prefix search, cursor pages, the User shape")
    func adminUserSearch() async throws {
        var runner = try Self.runner()
        await runner.run(Self.adminUserSearch)
    }

    @Test("/admin/users/:id/sessions: list, revoke one, revoke all")
    func adminUserSessions() async throws {
        var runner = try Self.runner()
        await runner.run(Self.adminSessions)
    }

    @Test("DELETE /admin/users/:id with records=delete and records=keep")
    func adminUserDeletion() async throws {
        var runner = try Self.runner()
        await runner.run(Self.adminUserDeletion)
    }
}
