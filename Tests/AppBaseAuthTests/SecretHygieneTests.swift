import AppBaseCore
import AppBaseHTTP
import Dispatch
import Testing
@testable import AppBaseAuth

/// Passwords, tokens and keys never appear in logs, error bodies or audit events — also on errors.
@Suite("Secret hygiene")
struct SecretHygieneTests {
    @Test("a full run with failures, 503s and upkeep logs no secret")
    func noSecretsInLogsOrErrors() async throws {
        let logs = LogCapture()
        let pool = BlockingWorkPool(name: "hygiene-hash", threadCount: 1, maxQueued: 1)
        let app = try await AuthTestApp.make(hashPool: pool, logs: logs)
        let password = "Sup3r-Secret-Passw0rd"
        var secrets = [password, "Wr0ng-Passw0rd-Guess", app.clientKey, app.adminKey]
        var bodies: [String] = []

        let session = try await app.register("ann@example.com", password: password)
        secrets += [session.accessToken, session.refreshToken]
        bodies.append(await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": "Wr0ng-Passw0rd-Guess"]).description)
        bodies.append(await app.client(.POST, "/auth/register", body: ["email": "ann@example.com", "password": .string(password)]).description)
        bodies.append(await app.send(.GET, "/auth/me", key: app.clientKey + "x", token: session.accessToken).description)
        bodies.append(await app.send(.GET, "/auth/me", key: app.clientKey, token: session.accessToken + "x").description)
        let rotated = try Session(await app.refresh(session.refreshToken))
        secrets += [rotated.accessToken, rotated.refreshToken]
        app.clock.advance(seconds: 60)
        bodies.append(await app.refresh(session.refreshToken).description)  // reuse
        bodies.append(await app.refresh(rotated.refreshToken).description)

        // A 503 from a full hashing queue is logged by the router (status ≥ 500).
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task { try await pool.run { gate.wait() } }
        while pool.inFlight == 0 { await Task.yield() }
        bodies.append(await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": .string(password)]).description)
        gate.signal()
        try await blocker.value
        await app.service.runUpkeep()

        let events = await app.takeAuditEvents().map { "\($0)" }
        await app.close()

        #expect(logs.all.contains { $0.contains("server_busy") }, "the 503 was logged, so the check below saw real lines")
        for secret in secrets {
            #expect(!logs.all.contains { $0.contains(secret) }, "a secret was logged")
            #expect(!bodies.contains { $0.contains(secret) }, "a secret was sent in an error body")
            #expect(!events.contains { $0.contains(secret) }, "a secret was put in an audit event")
        }
    }
}
