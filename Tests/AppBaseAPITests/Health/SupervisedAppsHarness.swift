import AppBaseCore
import AppBaseHTTP
@testable import AppBasePlatform
import AppBaseSQLite
import AppBaseTestSupport
import Logging

/// Real app subtrees (AppSupervisor, database, services) behind real ports, with the health
/// pieces around them: what the platform's registry does for the HealthMonitor, the restarter
/// and fault injection, reduced to what the fault tests need.
actor SupervisedAppsHarness: HealthTargetSource, AppRestarting, FaultInjecting, HealthVerdictHandling {
    private struct Running {
        let supervisor: AppSupervisor
        let generation: Int
    }

    let bus = EventBus()
    let log = EventLog()
    private let directory: String
    private let loop = EventLoop()
    private let server: HTTPServer
    private let pool = BlockingWorkPool(name: "argon2-health", threadCount: 1, maxQueued: 4)
    private let faults = AppFaults()
    private var configurations: [String: AppConfiguration] = [:]
    private var running: [String: Running] = [:]
    private var gates: [String: AppGate] = [:]
    private let dispatchers = SnapshotCell<[String: any HTTPDispatcher]>([:])
    private(set) var ports: [String: Int] = [:]
    /// Each app's admin key.
    private(set) var adminKeys: [String: String] = [:]
    private var generation = 0
    private var restarter: AppRestarter?
    private var monitor: HealthMonitor?

    init(apps: [String]) throws {
        directory = try TemporaryDirectory.make(prefix: "appbase-health")
        server = HTTPServer(loop: loop, limits: HTTPLimits(), accessLog: AccessLog(enabled: false))
        for configuration in LiveServer.configuration(apps: apps).apps { configurations[configuration.name] = configuration }
    }

    /// Starts every app, binds its port (behind its gate), then the restarter and the monitor.
    func start(health: HealthSettings) async throws {
        for name in configurations.keys.sorted() {
            adminKeys[name] = try await LiveServer.makeKeys(dataDirectory: directory, app: name).admin
            let gate = AppGate(app: name, dispatchers: dispatchers)
            gates[name] = gate
            try await launch(name)
            ports[name] = try await server.listen(host: "127.0.0.1", port: 0, dispatcher: gate)
        }
        restarter = AppRestarter(policy: health.restartPolicy, target: self, clock: SystemWallClock(),
                                 logger: LiveServer.silentLogger)
        let monitor = HealthMonitor(settings: health, bus: bus, targets: self, verdicts: self, logger: LiveServer.silentLogger)
        self.monitor = monitor
        await monitor.start()
    }

    /// One request with the app's admin key on a fresh connection.
    static func request(port: Int, _ method: String, _ path: String, key: String, body: String? = nil,
                        headers: [(String, String)] = []) async throws -> RawHTTPResponse {
        var fields = [("X-API-Key", key)] + headers
        if body != nil { fields.append(("Content-Type", "application/json")) }
        return try await RawHTTPClient.exchange(port: port, pieces: [RawRequest.make(method, path, headers: fields, body: body.map { Array($0.utf8) })],
                                                method: method, timeout: .seconds(5))
    }

    func shutdown() async {
        await monitor?.stop()
        await restarter?.stopAll()
        for name in running.keys { await tearDown(app: name, reason: "test over") }
        await server.shutdown()
        loop.stop()
        pool.shutdown()
        TemporaryDirectory.remove(directory)
    }

    private func launch(_ name: String) async throws {
        guard let configuration = configurations[name] else { throw TestFailure("no app \(name)") }
        let supervisor = AppSupervisor(configuration: configuration, dataRoot: directory, bus: bus, clock: SystemWallClock(),
                                       logger: LiveServer.silentLogger, hashPool: pool, limits: HTTPLimits())
        let router = try await supervisor.prepare()
        generation += 1
        running[name] = Running(supervisor: supervisor, generation: generation)
        dispatchers.update { $0[name] = router }
        log.record("up:\(name)")
    }

    // MARK: HealthTargetSource

    func healthTargets() async -> [any HealthProbeTarget] {
        var targets: [any HealthProbeTarget] = []
        for (name, app) in running.sorted(by: { $0.key < $1.key }) {
            guard let parts = await app.supervisor.runningParts, let gate = gates[name] else { continue }
            targets.append(AppHealthProbe(app: name, generation: app.generation, router: gate, writer: parts.writer,
                                          readers: parts.readers))
        }
        return targets
    }

    // MARK: AppRestarting

    func tearDown(app: String, reason: String) async {
        dispatchers.update { $0[app] = AppGate.Unavailable(app: app, cors: CORSPolicy()) }
        faults.releaseHangs(of: app)
        guard let current = running.removeValue(forKey: app) else { return }
        await current.supervisor.stopServices()
        await current.supervisor.close()
        log.record("down:\(app)")
    }

    func startAgain(app: String) async throws { try await launch(app) }

    func recordFailure(app: String, message: String) async { log.record("failure:\(app)") }

    // MARK: FaultInjecting

    func injectFault(_ kind: FaultKind, into app: String) async throws {
        guard let current = running[app], let parts = await current.supervisor.runningParts else {
            throw AppBaseError(status: 503, code: .unavailable, message: "App \(app) is not running.")
        }
        await faults.inject(kind, app: app, parts: parts, crash: { self.dispatchers.update { $0[app] = AppGate.Unavailable(app: app, cors: CORSPolicy()) } })
    }

    // MARK: HealthVerdictHandling

    func appDegraded(_ app: String, reason: String) async { log.record("degraded:\(app)") }
    func appRecovered(_ app: String) async { log.record("recovered:\(app)") }
    func appFailed(_ app: String, reason: String) async {
        log.record("failed:\(app)")
        await restarter?.appFailed(app, reason: reason)
    }
}
