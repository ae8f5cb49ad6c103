import Testing
import AppBaseCore

/// Keys changed through the CLI's code path while the server runs: the control socket makes the
/// change visible to the very next request, and the change is audited on the bus.
extension AssembledServerScenarios {
    @Test("A key created and revoked while the server runs: usable at once, refused at once, both audited")
    func keyChangesWhileRunning() async throws {
        let server = try #require(LiveServer.current)
        var runner = ScenarioRunner(server: server)
        let late = try await server.createKey(app: "beta", kind: .client, name: "late client")
        let created = await server.events.take()
        #expect(ExpectedEvent.matches(created, expected: [.audit("key.create", app: "beta", target: late.id)], others: .forbidden),
                "got \(created.map(ScenarioRunner.describe))")
        runner.remember(late.key, as: "lateKey")
        runner.remember(late.id, as: "lateKeyID")

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
        #expect(ExpectedEvent.matches(revoked, expected: [.audit("key.revoke", app: "beta", target: late.id)], others: .forbidden),
                "got \(revoked.map(ScenarioRunner.describe))")
        await runner.run([
            APIScenario(name: "the revoked key is refused by the very next request",
                        method: "POST", path: "/auth/login", host: "api.beta.appbase.local",
                        headers: [.apiKey("{{lateKey}}"), .json],
                        body: #"{"email":"late.key@example.com","password":"correct horse battery"}"#,
                        expectedStatus: 401, expectedContent: [#""code":"invalid_api_key""#]),
        ])
    }
}
