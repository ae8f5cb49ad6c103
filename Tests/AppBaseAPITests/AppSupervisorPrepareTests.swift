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
        let recorder = BusRecorder(bus: bus)
        defer { recorder.cancel() }
        let reached = EventLog()
        // A full lossless subscriber holds prepare inside its first publish (`provisioning`), so the
        // test knows where it is suspended without timing anything. Its filter runs as the
        // event is offered, just before the publisher waits.
        let gate = bus.subscribe(name: "gate", capacity: 1, policy: .backpressure) { event in
            if case .appLifecycle(let lifecycle) = event, lifecycle.app == "alpha" {
                reached.record("alpha \(lifecycle.state.rawValue)")
            }
            return true
        }
        await bus.publish(.appLifecycle(AppLifecycleEvent(app: "filler", state: .running)))
        let pool = BlockingWorkPool(name: "argon2-test", threadCount: 1, maxQueued: 4)
        defer { pool.shutdown() }
        let supervisor = AppSupervisor(configuration: LiveServer.configuration(apps: ["alpha"]).apps[0], dataRoot: directory,
                                       bus: bus, clock: SystemWallClock(), logger: LiveServer.silentLogger,
                                       hashPool: pool, limits: HTTPLimits())

        let preparing = Task { try await supervisor.prepare() }
        #expect(await reached.wait(for: "alpha provisioning"))
        await supervisor.stopServices()
        gate.cancel()  // releases prepare, and every later publish

        await #expect(throws: AppBaseError.self) { _ = try await preparing.value }
        #expect(await supervisor.port == nil)
        await supervisor.markBound(port: 1)
        #expect(await supervisor.port == nil, "markBound revived an abandoned start")
        await supervisor.close()
        let events = await recorder.take().map(ScenarioRunner.describe)
        #expect(events == ["filler running", "alpha provisioning", "alpha stopped"])
    }
}
