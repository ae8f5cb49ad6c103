import AppBaseCore
import AppBasePlatform
import Testing

/// `/admin/api-keys` against the assembled server: every route and error, revocation on the next
/// request (the revoking key included), and one code path with the CLI.
extension AssembledServerScenarios {
    static let adminKeys: [APIScenario] = [
        APIScenario(name: "listing keys without a key is 401",
                    port: .app("alpha"), path: "/admin/api-keys", expectedStatus: 401,
                    expectedContent: [#""code":"missing_api_key""#]),
        APIScenario(name: "listing keys with a client key is 403",
                    port: .app("alpha"), path: "/admin/api-keys", headers: [.apiKey("{{alpha.client}}")],
                    expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "creating a key with a client key is 403",
                    port: .app("alpha"), method: "POST", path: "/admin/api-keys",
                    headers: [.apiKey("{{alpha.client}}"), .json], body: #"{"name":"x","kind":"client"}"#,
                    expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "the admin lists the app's keys, never a secret",
                    port: .app("alpha"), path: "/admin/api-keys", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200,
                    expectedContent: [#""id":"{{alpha.adminID}}""#, #""id":"{{alpha.clientID}}""#, #""kind":"admin""#,
                                      #""name":"scenario admin""#, #""prefix":"hs_live_"#, #""revokedAt":null"#],
                    notExpectedContent: ["{{alpha.admin}}", "{{alpha.client}}", "key_hash", "secret"]),
        APIScenario(name: "a kind other than client or admin is 400",
                    port: .app("alpha"), method: "POST", path: "/admin/api-keys",
                    headers: [.apiKey("{{alpha.admin}}"), .json], body: #"{"name":"x","kind":"root"}"#,
                    expectedStatus: 400, expectedContent: [#""code":"validation_failed""#, #""field":"kind""#]),
        APIScenario(name: "an empty name is 400",
                    port: .app("alpha"), method: "POST", path: "/admin/api-keys",
                    headers: [.apiKey("{{alpha.admin}}"), .json], body: #"{"name":"  ","kind":"client"}"#,
                    expectedStatus: 400, expectedContent: [#""code":"validation_failed""#, #""field":"name""#]),
        APIScenario(name: "a missing name is 400",
                    port: .app("alpha"), method: "POST", path: "/admin/api-keys",
                    headers: [.apiKey("{{alpha.admin}}"), .json], body: #"{"kind":"client"}"#,
                    expectedStatus: 400, expectedContent: [#""code":"validation_failed""#, #""field":"name""#]),
        APIScenario(name: "a body that is not JSON is 400",
                    port: .app("alpha"), method: "POST", path: "/admin/api-keys",
                    headers: [.apiKey("{{alpha.admin}}"), .json], body: #"{"name":"#,
                    expectedStatus: 400, expectedContent: [#""code":"invalid_json""#]),
        APIScenario(name: "the admin creates a client key: the secret is shown once",
                    port: .app("alpha"), method: "POST", path: "/admin/api-keys",
                    headers: [.apiKey("{{alpha.admin}}"), .json], body: #"{"name":" kiosk app ","kind":"client"}"#,
                    expectedStatus: 201,
                    expectedContent: [#""secret":"hs_live_"#, #""name":"kiosk app""#, #""kind":"client""#, #""revokedAt":null"#],
                    expectedEvents: [.audit("key.create", app: "alpha", target: "{{kioskID}}", keyID: "{{alpha.adminID}}")],
                    captures: ["kiosk": "secret", "kioskID": "key.id"]),
        APIScenario(name: "the listing shows the new key first (newest first) without its secret",
                    port: .app("alpha"), path: "/admin/api-keys?active=true", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#"{"items":[{"id":"{{kioskID}}""#],
                    notExpectedContent: ["{{kiosk}}"]),
        APIScenario(name: "the new key works on the very next request",
                    port: .app("alpha"), method: "POST", path: "/auth/login",
                    headers: [.apiKey("{{kiosk}}"), .json], body: "{}",
                    expectedStatus: 400, expectedContent: [#""code":"validation_failed""#]),
        APIScenario(name: "the new key is alpha's only: beta refuses it",
                    port: .app("beta"), method: "POST", path: "/auth/login",
                    headers: [.apiKey("{{kiosk}}"), .json], body: "{}",
                    expectedStatus: 401, expectedContent: [#""code":"invalid_api_key""#]),
        APIScenario(name: "revoking with a client key is 403",
                    port: .app("alpha"), method: "DELETE", path: "/admin/api-keys/{{kioskID}}",
                    headers: [.apiKey("{{alpha.client}}")],
                    expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "the admin revokes it",
                    port: .app("alpha"), method: "DELETE", path: "/admin/api-keys/{{kioskID}}",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""id":"{{kioskID}}""#, #""revokedAt":"20"#],
                    expectedEvents: [.audit("key.revoke", app: "alpha", target: "{{kioskID}}", keyID: "{{alpha.adminID}}")]),
        APIScenario(name: "the revoked key fails on its next request",
                    port: .app("alpha"), method: "POST", path: "/auth/login",
                    headers: [.apiKey("{{kiosk}}"), .json], body: "{}",
                    expectedStatus: 401, expectedContent: [#""code":"invalid_api_key""#]),
        APIScenario(name: "revoking it again changes nothing and audits nothing",
                    port: .app("alpha"), method: "DELETE", path: "/admin/api-keys/{{kioskID}}",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""id":"{{kioskID}}""#, #""revokedAt":"20"#]),
        APIScenario(name: "revoking an unknown id is 404",
                    port: .app("alpha"), method: "DELETE", path: "/admin/api-keys/0190aaaa-0000-7000-8000-000000000000",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "a display prefix is not an id over HTTP: 404",
                    port: .app("alpha"), method: "DELETE", path: "/admin/api-keys/hs_live_",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "another app's key id is 404 here",
                    port: .app("alpha"), method: "DELETE", path: "/admin/api-keys/{{beta.adminID}}",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "active=true hides the revoked key",
                    port: .app("alpha"), path: "/admin/api-keys?active=true", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: ["{{alpha.adminID}}"], notExpectedContent: ["{{kioskID}}"]),
        APIScenario(name: "the full listing keeps it, revoked",
                    port: .app("alpha"), path: "/admin/api-keys", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: ["{{kioskID}}"]),
        APIScenario(name: "active must be true or false",
                    port: .app("alpha"), path: "/admin/api-keys?active=yes", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 400, expectedContent: [#""code":"validation_failed""#, #""field":"active""#]),
        APIScenario(name: "the admin creates a second admin key",
                    port: .app("alpha"), method: "POST", path: "/admin/api-keys",
                    headers: [.apiKey("{{alpha.admin}}"), .json], body: #"{"name":"short-lived admin","kind":"admin"}"#,
                    expectedStatus: 201, expectedContent: [#""kind":"admin""#],
                    expectedEvents: [.audit("key.create", app: "alpha", target: "{{temporaryID}}")],
                    captures: ["temporary": "secret", "temporaryID": "key.id"]),
        APIScenario(name: "that key revokes itself: allowed",
                    port: .app("alpha"), method: "DELETE", path: "/admin/api-keys/{{temporaryID}}",
                    headers: [.apiKey("{{temporary}}")],
                    expectedStatus: 200, expectedContent: [#""revokedAt":"20"#],
                    expectedEvents: [.audit("key.revoke", app: "alpha", target: "{{temporaryID}}", keyID: "{{temporaryID}}")]),
        APIScenario(name: "and fails from the next request on",
                    port: .app("alpha"), path: "/admin/api-keys", headers: [.apiKey("{{temporary}}")],
                    expectedStatus: 401, expectedContent: [#""code":"invalid_api_key""#]),
    ]

    @Test("/admin/api-keys: create, list, revoke and every error")
    func adminKeyRoutes() async throws {
        var runner = try Self.runner()
        await runner.run(Self.adminKeys)
    }

    @Test("A key made by the CLI is listed over HTTP, and a key made over HTTP is listed by the CLI")
    func cliAndHTTPShareKeys() async throws {
        let server = try #require(LiveServer.current)
        var runner = ScenarioRunner(server: server)
        // The CLI's path: `AppKeyAdministration.create` on the app database, then `reload-keys`.
        let fromCLI = try await server.createKey(app: "beta", kind: .admin, name: "made by the cli")
        _ = await server.events.take()
        runner.remember(fromCLI.id, as: "cliKeyID")
        runner.remember(fromCLI.key, as: "cliKey")
        await runner.run([
            APIScenario(name: "HTTP lists the CLI's key",
                        port: .app("beta"), path: "/admin/api-keys", headers: [.apiKey("{{beta.admin}}")],
                        expectedStatus: 200, expectedContent: [#""id":"{{cliKeyID}}""#, #""name":"made by the cli""#]),
            APIScenario(name: "the CLI's key makes a key over HTTP",
                        port: .app("beta"), method: "POST", path: "/admin/api-keys",
                        headers: [.apiKey("{{cliKey}}"), .json], body: #"{"name":"made over http","kind":"client"}"#,
                        expectedStatus: 201,
                        expectedEvents: [.audit("key.create", app: "beta", target: "{{httpKeyID}}", keyID: "{{cliKeyID}}")],
                        captures: ["httpKeyID": "key.id"]),
        ])
        let httpKeyID = runner.resolve("{{httpKeyID}}", for: "the CLI lists it")
        // `appbase keys list --app beta` reads through this function.
        let listed = try await AppKeyAdministration.list(dataDirectory: server.dataDirectory, app: "beta")
        let made = try #require(listed.first { $0.id == httpKeyID }, "the CLI does not list the key made over HTTP")
        #expect(made.name == "made over http" && made.kind == "client" && made.revokedAt == nil)
        #expect(listed.contains { $0.id == fromCLI.id })

        // Revoked over HTTP: the CLI sees it revoked; revoked by the CLI: HTTP sees it revoked.
        await runner.run([
            APIScenario(name: "HTTP revokes the key it made",
                        port: .app("beta"), method: "DELETE", path: "/admin/api-keys/{{httpKeyID}}",
                        headers: [.apiKey("{{beta.admin}}")], expectedStatus: 200,
                        expectedEvents: [.audit("key.revoke", app: "beta", target: "{{httpKeyID}}")]),
        ])
        let afterRevoke = try await AppKeyAdministration.list(dataDirectory: server.dataDirectory, app: "beta")
        #expect(afterRevoke.first { $0.id == httpKeyID }?.revokedAt != nil)
        try await server.revokeKey(app: "beta", id: fromCLI.id)
        _ = await server.events.take()
        await runner.run([
            APIScenario(name: "HTTP shows the key the CLI revoked as revoked",
                        port: .app("beta"), path: "/admin/api-keys?active=true", headers: [.apiKey("{{beta.admin}}")],
                        expectedStatus: 200, notExpectedContent: ["{{cliKeyID}}", "{{httpKeyID}}"]),
            APIScenario(name: "and refuses it on the next request",
                        port: .app("beta"), path: "/admin/api-keys", headers: [.apiKey("{{cliKey}}")],
                        expectedStatus: 401, expectedContent: [#""code":"invalid_api_key""#]),
        ])
    }
}
