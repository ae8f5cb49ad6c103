import AppBaseAuth
import AppBaseCore
import AppBaseHTTP
import Dispatch
import OrderedCollections
import Testing

/// One app's login storm must not make another app's logins wait (issue 12 §1, ADR 0021): both
/// apps hash in one shared pool, each in its own lane.
@Suite("Login fairness across apps sharing the hashing pool", .timeLimit(.minutes(2)))
struct LoginFairnessTests {
    static let password = "correct horse battery"

    @Test("a login storm on app A (its lane full of slow jobs) gets 503s for A alone; app B logs in every time, next in turn")
    func stormOnOneApp() async throws {
        let pool = BlockingWorkPool(name: "shared-hash", threadCount: 1, maxQueued: 64, maxQueuedPerLane: 4)
        let logs = LogCapture()
        let a = try await AuthTestApp.make(name: "a", hashPool: pool, hashLane: "a", logs: logs)
        let b = try await AuthTestApp.make(name: "b", hashPool: pool, hashLane: "b")
        _ = try await a.register("storm@example.com")
        _ = try await b.register("calm@example.com")

        // A's lane fills with slow jobs: one holds the only thread, three wait behind it.
        let gate = DispatchSemaphore(value: 0)
        for _ in 0..<4 { #expect(pool.schedule(in: "a") { gate.wait() }) }
        var slowJobs = 4

        @Sendable func loginA() async -> TestResponse {
            await a.client(.POST, "/auth/login", body: ["email": "storm@example.com", "password": .string(Self.password)])
        }
        for round in 0..<3 {
            // A storm of 10 concurrent logins on A: A's lane holds 4 of 4, so each is refused at once.
            let storm = await withTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<10 { group.addTask { await loginA() } }
                return await group.reduce(into: [TestResponse]()) { $0.append($1) }
            }
            #expect(storm.count == 10)
            #expect(storm.allSatisfy { $0.status == 503 && $0.errorCode == "server_busy" && $0.retryAfter == "1" })

            // B's login is admitted at once and runs as soon as the job holding the thread ends,
            // before the rest of A's queue.
            let login = Task { await b.client(.POST, "/auth/login", body: ["email": "calm@example.com", "password": .string(Self.password)]) }
            for _ in 0..<100_000 where pool.inFlight(lane: "b") == 0 { await Task.yield() }
            #expect(pool.inFlight(lane: "b") == 1)
            gate.signal()
            slowJobs -= 1
            let response = await login.value
            #expect(response.status == 200, "B's login \(round): \(response)")
            // The next of A's slow jobs holds the thread now; the storm refills A's lane.
            #expect(pool.inFlight(lane: "a") == 3)
            #expect(pool.schedule(in: "a") { gate.wait() })
            slowJobs += 1
        }
        // The refusals are logged as what they are — the server protecting itself — not as errors.
        #expect(logs.all.contains { $0.hasPrefix("notice refused POST /auth/login: 503 server_busy") })
        #expect(!logs.all.contains { $0.hasPrefix("error") })
        // Let A's slow jobs finish; A's logins are served again.
        for _ in 0..<slowJobs { gate.signal() }
        // Released jobs still have to run: wait (bounded) until A's lane is empty before logging in.
        for _ in 0..<1_000_000 where pool.inFlight(lane: "a") > 0 { await Task.yield() }
        #expect(pool.inFlight(lane: "a") == 0)
        _ = try await a.login("storm@example.com")
        await a.close()
        await b.close()
    }
}
