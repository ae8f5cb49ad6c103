import AppBaseCore
import AppBaseHTTP
import AppBaseMetrics
import AppBaseSQLite
import Logging

/// The root of the actor tree: owns the event bus, the event loop and HTTP listener, the
/// master database and PortAllocator, the control socket and one `AppSupervisor` per app.
///
/// Start order: data directory (created `0700`, refused if another user can write it, older
/// files tightened) → master database → loop and listener → each app (database, migrations,
/// services, then its port) → control plane port → control socket. Shutdown is the reverse:
/// stop accepting, end streams, let in-flight requests finish (grace period), close databases
/// (WAL checkpoint), stop the loop.
public actor RootSupervisor {
    private enum State {
        case initial, starting, running, stopping, stopped
    }

    /// What `start()` bound.
    public struct Ports: Sendable {
        /// The control plane's port.
        public let master: Int
        /// Each app's port, by name.
        public let apps: [String: Int]
    }

    public let configuration: ServerConfiguration
    public let dataDirectory: String
    /// The bus every subsystem publishes on.
    public nonisolated let bus: EventBus
    private let clock: any WallClock
    private let logger: Logger
    private var state = State.initial
    private var loop: EventLoop?
    private var server: HTTPServer?
    private var master: DatabaseWriter?
    private var apps: [AppSupervisor] = []
    private var hashPool: BlockingWorkPool?
    private var metrics: MetricsService?
    private var control: ControlSocket?
    private var dataLock: DataDirectoryLock?
    private let appRouters = SnapshotCell<[String: Router]>([:])
    private let dashboardRouters = SnapshotCell<[String: Router]>([:])

    public init(configuration: ServerConfiguration, dataDirectory: String, clock: any WallClock = SystemWallClock(),
                logger: Logger) {
        self.configuration = configuration
        self.dataDirectory = dataDirectory
        self.clock = clock
        self.logger = logger
        self.bus = EventBus()
    }

    /// Starts everything; returns the bound ports. On failure, whatever started is stopped.
    public func start() async throws -> Ports {
        guard case .initial = state else { preconditionFailure("RootSupervisor.start called twice") }
        state = .starting
        do {
            return try await startAll()
        } catch {
            await stopAll()
            state = .stopped
            throw error
        }
    }

    private func startAll() async throws -> Ports {
        try DataDirectory.create(dataDirectory)
        // Refused before anything in it is read or changed: someone else may have planted files.
        try DataDirectory.checkOwnedByThisUser(dataDirectory)
        dataLock = try DataDirectoryLock(directory: dataDirectory)
        let tightened = try DataDirectory.tightenPermissions(under: dataDirectory)
        if !tightened.isEmpty {
            logger.notice("""
                tightened permissions under \(dataDirectory): \(tightened.directories) directories to 0700, \
                \(tightened.files) files to 0600 (made by an older version or another tool)
                """)
        }
        let masterDatabase = try await MasterDatabase.open(path: "\(dataDirectory)/master.sqlite")
        master = masterDatabase
        var reserved: Set<Int> = [configuration.port]
        for app in configuration.apps { if let port = app.port, port != 0 { reserved.insert(port) } }
        let allocator = PortAllocator(database: masterDatabase, range: configuration.portRange, reserved: reserved, clock: clock)
        try await allocator.load()

        let loop = EventLoop()
        self.loop = loop
        let accessLog = AccessLog(format: configuration.logFormat, enabled: configuration.accessLog)
        // metrics: request summaries go on the bus once per loop turn (RequestRecorder).
        let recorder = RequestRecorder(bus: bus, loop: loop)
        let server = HTTPServer(loop: loop, limits: configuration.limits, accessLog: accessLog, requestRecorder: recorder)
        self.server = server
        let pool = BlockingWorkPool(name: "argon2", threadCount: configuration.hashThreads, maxQueued: configuration.hashQueue)
        hashPool = pool
        // metrics: subscribed before any app starts, so every lifecycle event is seen.
        let routers = appRouters
        let metrics = MetricsService(bus: bus, settings: configuration.metrics, source: PlatformMetricsSource(
            server: server, hashPool: pool, recorder: recorder, dataRoot: dataDirectory, apps: { Array(routers.value.keys) }))
        metrics.start()
        self.metrics = metrics

        var appPorts: [String: Int] = [:]
        for appConfiguration in configuration.apps {
            let supervisor = AppSupervisor(configuration: appConfiguration, dataRoot: dataDirectory, bus: bus, clock: clock,
                                           logger: logger, hashPool: pool, limits: configuration.limits)
            apps.append(supervisor)
            let router = try await supervisor.prepare()
            let port = try await bind(appConfiguration, router: router, allocator: allocator, server: server)
            await supervisor.markBound(port: port)
            await allocator.markStarted(appConfiguration.name)
            appPorts[appConfiguration.name] = port
            appRouters.update { $0[appConfiguration.name] = router }
            dashboardRouters.update { $0[appConfiguration.name] = DashboardRoutes.router(app: appConfiguration.name,
                                                                                       limits: configuration.limits, logger: logger) }
            logger.info("app \(appConfiguration.name) listening on http://\(configuration.host):\(port) (api.\(appConfiguration.name).appbase.local)")
        }

        var masterRoutes = RouteTable()
        HealthRoute.register(on: &masterRoutes, app: "master")
        // metrics: GET /metrics. Seam: pass `masterKeys:` (a MasterKeyVerifier) once master keys exist.
        metrics.registerRoute(on: &masterRoutes)
        let masterRouter = Router(app: "master", routes: masterRoutes, cors: .disabled, limits: configuration.limits,
                                  authenticator: nil, logger: logger)
        let dispatcher = HostDispatcher(master: masterRouter, apps: appRouters, dashboards: dashboardRouters)
        let masterPort = try await server.listen(host: configuration.host, port: configuration.port, dispatcher: dispatcher)
        logger.info("control plane listening on http://\(configuration.host):\(masterPort)")

        let supervisors = Dictionary(uniqueKeysWithValues: apps.map { ($0.name, $0) })
        control = try ControlSocket(path: ControlClient.socketPath(dataDirectory: dataDirectory)) { line in
            await Self.handleControl(line, apps: supervisors)
        }
        state = .running
        return Ports(master: masterPort, apps: appPorts)
    }

    /// Binds an app's port; a port taken by another process is reported for a fixed port, or
    /// skipped for an assigned one.
    private func bind(_ app: AppConfiguration, router: Router, allocator: PortAllocator, server: HTTPServer) async throws -> Int {
        if app.port == 0 {
            // Ephemeral port (tests): nothing to remember.
            return try await server.listen(host: configuration.host, port: 0, dispatcher: router)
        }
        var busy: Set<Int> = []
        while true {
            let port = try await allocator.port(for: app.name, fixed: app.port, avoiding: busy)
            do {
                return try await server.listen(host: configuration.host, port: port, dispatcher: router)
            } catch let error as ListenError where error.addressInUse && app.port == nil {
                logger.warning("app \(app.name): port \(port) is in use by another process; trying the next free one")
                busy.insert(port)
            } catch let error as ListenError {
                throw AppBaseError.internalError(cause: "app \(app.name): \(error)")
            }
        }
    }

    private static func handleControl(_ line: String, apps: [String: AppSupervisor]) async -> String {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "error expected '<command> <app>'" }
        guard let app = apps[parts[1]] else { return "error unknown app \(parts[1])" }
        switch parts[0] {
        case "reload-keys":
            do {
                try await app.reloadKeys()
                return "ok"
            } catch {
                return "error \(error)"
            }
        default:
            return "error unknown command \(parts[0])"
        }
    }

    /// Graceful shutdown (SIGINT/SIGTERM): see the type's documentation for the order.
    public func shutdown() async {
        guard case .running = state else { return }
        state = .stopping
        await stopAll()
        state = .stopped
    }

    private func stopAll() async {
        control?.close()
        control = nil
        if let server {
            async let drained: Void = server.shutdown()
            let supervisors = apps
            await withTaskGroup(of: Void.self) { group in
                for app in supervisors { group.addTask { await app.stopServices() } }
            }
            await drained
        }
        for app in apps { await app.close() }
        await metrics?.stop()
        metrics = nil
        await master?.close()
        master = nil
        loop?.stop()
        loop = nil
        server = nil
        hashPool?.shutdown()
        hashPool = nil
        dataLock = nil
        logger.info("stopped")
    }
}

/// The per-app dashboard host (`dashboard.<app>.appbase.local`). The dashboard itself comes
/// with the admin issue; today its host answers `/health` and 404s, never with CORS.
enum DashboardRoutes {
    static func router(app: String, limits: HTTPLimits, logger: Logger) -> Router {
        var routes = RouteTable()
        HealthRoute.register(on: &routes, app: app)
        return Router(app: app, routes: routes, cors: .disabled, limits: limits, authenticator: nil, logger: logger)
    }
}
