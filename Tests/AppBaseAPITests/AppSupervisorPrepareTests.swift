import AppBaseCore
import AppBaseHTTP
import AppBaseTestSupport
import Testing
@testable import AppBasePlatform

/// `AppSupervisor.prepare` re-checks its state after its awaits: a stop that arrives while it is
/// suspended wins, and nothing it opened stays open.
@Suite("AppSupervisor start abandoned by a stop")
struct AppSupervisorPrepareTests {
    @Test("stopServices during prepare wins: prepare throws, the app never runs, close returns")
    func stopDuringPrepareWins() async throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-prepare")
        defer { TemporaryDirectory.remove(directory) }
        let bus = EventBus()
        let reached = EventLog()
        // The start gate holds prepare at its first suspension point, so the test knows where
        // it is suspended without timing anything.
        let gate = Gate()
        let pool = BlockingWorkPool(name: "argon2-test", threadCount: 1, maxQueued: 4)
        defer { pool.shutdown() }
        let supervisor = AppSupervisor(configuration: LiveServer.configuration(apps: ["alpha"]).apps[0], dataRoot: directory,
                                       bus: bus, clock: SystemWallClock(), logger: LiveServer.silentLogger,
                                       hashPool: pool, limits: HTTPLimits()) {
            reached.record("alpha starting")
            _ = await gate.wait()
        }

        let preparing = Task { try await supervisor.prepare() }
        #expect(await reached.wait(for: "alpha starting"))
        await supervisor.stopServices()
        gate.open()  // releases prepare

        await #expect(throws: AppBaseError.self) { _ = try await preparing.value }
        #expect(await supervisor.port == nil)
        await supervisor.markBound(port: 1)
        #expect(await supervisor.port == nil, "markBound revived an abandoned start")
        await supervisor.close()
        #expect(await supervisor.port == nil)
    }
}
