import Testing
import AppBaseCore

/// Keys changed through the CLI's code path while the server runs: the control socket makes the
/// change visible to the very next request, and the change's audit entry was committed by the
/// CLI with the change (the server adds none: no duplicate).
extension AssembledServerScenarios {
    @Test("A key created and revoked while the server runs: usable at once, refused at once, each audited once by the CLI")
    func keyChangesWhileRunning() async throws {
        let server = try #require(LiveServer.current)
        var runner = ScenarioRunner(server: server)
        let late = try await server.createKey(app: "beta", kind: .client, name: "late client")
        let created = await server.events.take()
        #expect(ExpectedEvent.matches(created, expected: [], others: .forbidden),
                "the server audits nothing more: got \(created.map(ScenarioRunner.describe))")
        runner.remember(late.key, as: "lateKey")
        runner.remember(late.id, as: "lateKeyID")
        await runner.run([
            APIScenario(name: "the CLI's key.create entry is in beta's audit log, once, by the system, via the CLI",
                        port: .app("beta"), path: "/admin/audit-log?action=key.create&target={{lateKeyID}}",
                        headers: [.apiKey("{{beta.admin}}")], expectedStatus: 200,
                        expectedContent: [#""action":"key.create""#, #""target":"{{lateKeyID}}""#, #""kind":"system""#,
                                          #""via":"cli""#, #""next":null"#]),
        ])

        await runner.run([
            APIScenario(name: "the new key registers a user on beta at once",
                        port: .app("beta"), method: "POST", path: "/auth/register",
                        headers: [.apiKey("{{lateKey}}"), .json],
                        body: #"{"email":"late.key@example.com","password":"correct horse battery"}"#,
                        expectedStatus: 201,
                        expectedEvents: [.audit("auth.register", app: "beta", keyID: "{{lateKeyID}}")]),
            APIScenario(name: "the new key of beta is rejected by alpha",
                        port: .app("alpha"), method: "POST", path: "/auth/login",
                        headers: [.apiKey("{{lateKey}}"), .json],
                        body: #"{"email":"late.key@example.com","password":"correct horse battery"}"#,
                        expectedStatus: 401, expectedContent: [#""code":"invalid_api_key""#]),
        ])

        try await server.revokeKey(app: "beta", id: late.id)
        let revoked = await server.events.take()
        #expect(ExpectedEvent.matches(revoked, expected: [], others: .forbidden),
                "got \(revoked.map(ScenarioRunner.describe))")
        await runner.run([
            APIScenario(name: "the CLI's key.revoke entry is in beta's audit log",
                        port: .app("beta"), path: "/admin/audit-log?action=key.revoke&target={{lateKeyID}}",
                        headers: [.apiKey("{{beta.admin}}")], expectedStatus: 200,
                        expectedContent: [#""action":"key.revoke""#, #""target":"{{lateKeyID}}""#, #""via":"cli""#]),
            APIScenario(name: "and the chain still verifies after the CLI's appends",
                        port: .app("beta"), path: "/admin/audit-log/verify",
                        headers: [.apiKey("{{beta.admin}}")], expectedStatus: 200, expectedContent: [#""ok":true"#]),
        ])
        await runner.run([
            APIScenario(name: "the revoked key is refused by the very next request",
                        method: "POST", path: "/auth/login", host: "api.beta.appbase.local",
                        headers: [.apiKey("{{lateKey}}"), .json],
                        body: #"{"email":"late.key@example.com","password":"correct horse battery"}"#,
                        expectedStatus: 401, expectedContent: [#""code":"invalid_api_key""#]),
        ])
    }
}
