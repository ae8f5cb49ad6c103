import AppBaseCollections
import AppBaseCore
import AppBaseHTTP
import AppBaseJobs
import AppBaseMDNS
import AppBaseMetrics
import AppBaseSQLite
import AppBaseTLS
import AppBaseWeb  // [webui wiring]
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The root of the actor tree: owns the event bus, the event loop and HTTP listener, the
/// master database and PortAllocator, the control socket, the control plane and the
/// `AppRegistry` (which owns one `AppSupervisor` per app).
///
/// Start order: data directory (created `0700`, refused if another user can write it, older
/// files tightened) → master database → loop and listener → each app (database, migrations,
/// services, then its port) → control plane port → control socket. An app that fails to start
/// is `failed` and the others serve: only master-level failures (data directory, master
/// database, the master port, an app named both in the config and in `master.sqlite`) make
/// `start()` throw. Shutdown is the reverse: stop accepting, end streams, let in-flight
/// requests finish (grace period), close databases (WAL checkpoint), stop the loop.
public actor RootSupervisor {
    private enum State {
        case initial, starting, running, stopping, stopped
    }

    /// What `start()` bound.
    public struct Ports: Sendable {
        /// The control plane's port.
        public let master: Int
        /// Each app's port, by name (apps that failed to start are absent).
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
    /// The master's job queue (`GET /api/jobs`).
    private var masterJobs: JobScheduler?
    private var hashPool: BlockingWorkPool?
    private var metrics: MetricsService?
    private var control: ControlSocket?
    private var dataLock: DataDirectoryLock?
    /// The apps, once `start()` has built the runtime they need.
    public private(set) var registry: AppRegistry?
    private var eventStreams: EventStreams?
    private var requestSubscription: BusSubscription?
    private var requestCounting: Task<Void, Never>?
    private var mdns: MDNSAnnouncer?  // [mdns wiring]
    private var healthMonitor: HealthMonitor?
    private var restarter: AppRestarter?
    private var restarterFollowing: (subscription: BusSubscription, task: Task<Void, Never>)?
    private var configWatcher: FileChangeWatcher?
    private var tls: PlatformTLS?
    /// The control plane's routes once started (the OpenAPI drift test reads their patterns).
    private(set) var masterRouter: Router?
    /// The certificates served over TLS (nil while `[tls] enabled` is false or before `start()`).
    public var certificates: ServerCertificateStore? { tls?.store }

    public init(configuration: ServerConfiguration, dataDirectory: String, clock: any WallClock = SystemWallClock(),
                logger: Logger) {
        self.configuration = configuration
        self.dataDirectory = dataDirectory
        self.clock = clock
        self.logger = logger
        self.bus = EventBus()
    }

    /// Starts everything; returns the bound ports. On failure, whatever started is stopped.
    /// - Throws: master-level failures only (see the type's documentation).
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
        let jobs = try await Self.startMasterJobs(master: masterDatabase, clock: clock, logger: logger)
        masterJobs = jobs
        let apiApps = try await APIAppStore.list(masterDatabase)
        if let clash = apiApps.first(where: { configuration.app(named: $0.name) != nil }) {
            throw AppSourceConflictError(app: clash.name, configFile: configuration.sourceFile)
        }
        var reserved: Set<Int> = [configuration.port]
        for app in configuration.apps { if let port = app.port, port != 0 { reserved.insert(port) } }
        let host = configuration.host
        let allocator = PortAllocator(database: masterDatabase, range: configuration.portRange, reserved: reserved,
                                      graceSeconds: configuration.reclaimGraceSeconds, clock: clock,
                                      isFree: { PortProbe.isFree(host: host, port: $0) })
        try await allocator.load()

        let loop = EventLoop()
        self.loop = loop
        let accessLog = AccessLog(format: configuration.logFormat, enabled: configuration.accessLog)
        // metrics: request summaries go on the bus once per loop turn (RequestRecorder).
        let recorder = RequestRecorder(bus: bus, loop: loop)
        let server = HTTPServer(loop: loop, limits: configuration.limits, accessLog: accessLog, logger: logger,
                                requestRecorder: recorder)
        self.server = server
        if configuration.tls.enabled {
            // Before any port listens: every listener accepts TLS and plain HTTP (ADR 0031).
            let tls = try PlatformTLS(configuration: configuration, dataDirectory: dataDirectory, clock: clock, logger: logger)
            self.tls = tls
            await server.setTLS(tls.context)
            tls.startRenewal()
            logger.info("tls: on (CA \(tls.store.authority.sha256Fingerprint)); plain HTTP: \(configuration.tls.plain.rawValue)")
        }
        let pool = BlockingWorkPool(name: "argon2", threadCount: configuration.hashThreads, maxQueued: configuration.hashQueue,
                                    maxQueuedPerLane: configuration.hashQueuePerApp)
        hashPool = pool
        // [mdns wiring] Subscribes to lifecycle events before any app starts, so no `running` is missed.
        if configuration.mdns.enabled {
            let announcer = MDNSAnnouncer(settings: configuration.mdns, addresses: MDNSAnnouncer.addresses(for: configuration.mdns, logger: logger), bus: bus, logger: logger)
            mdns = announcer
            await announcer.start()
        }

        // Backups a previous process left `running` never finish: mark them failed, before any
        // app's queue can start a scheduled one.
        try await BackupCatalog.failInterrupted(at: clock.nowMilliseconds(), in: masterDatabase)
        let backups = BackupRunner(dataRoot: dataDirectory, master: masterDatabase, clock: clock, logger: logger)
        // Requests per minute for `/admin/stats`, fed by `RequestCounters` below.
        let requestHistory = RequestRateHistory(clock: clock)
        let registry = AppRegistry(runtime: AppRegistry.Runtime(
            server: server, host: host, domain: configuration.mdns.domain, limits: configuration.limits, bus: bus, clock: clock, logger: logger, hashPool: pool,
            dataRoot: dataDirectory, allocator: allocator, master: masterDatabase, apiAppServices: configuration.apiAppServices,
            configFile: configuration.sourceFile, requestHistory: requestHistory, tls: tls, backups: backups))
        self.registry = registry
        // metrics: subscribed before any app starts, so every lifecycle event is seen.
        let routers = registry.appRouters
        let metrics = MetricsService(bus: bus, settings: configuration.metrics, source: PlatformMetricsSource(
            server: server, hashPool: pool, recorder: recorder, dataRoot: dataDirectory, apps: { Array(routers.value.keys) },
            masterDatabasePath: "\(dataDirectory)/master.sqlite"))
        metrics.start()
        self.metrics = metrics
        // Counting starts before any app serves, so no summary is missed.
        let counters = RequestCounters(history: requestHistory)
        let subscription = RequestCounters.subscribe(to: bus)
        requestSubscription = subscription
        requestCounting = Task { await counters.follow(subscription) }

        // One app's failure leaves it `failed` and the others start.
        for app in configuration.apps { try? await registry.add(app, source: .config) }
        for app in apiApps {
            var services = configuration.apiAppServices
            services.collections.implicitCollections = false
            try? await registry.add(AppConfiguration(name: app.name, port: app.port, services: services), source: .api)
        }

        let streams = EventStreams()
        eventStreams = streams
        let masterPort = SnapshotCell(configuration.port)
        let controlPlane = ControlPlane(registry: registry, master: masterDatabase, bus: bus, clock: clock, counters: counters,
                                        streams: streams, backups: backups, host: host, masterPort: masterPort,
                                        scheme: tls == nil ? "http" : "https", domain: configuration.mdns.domain)
        var masterRoutes = RouteTable()
        HealthRoute.register(on: &masterRoutes, app: "master")
        controlPlane.register(on: &masterRoutes)
        jobs.registerRoutes(on: &masterRoutes, path: "/api/jobs", auth: .none, authorize: { request, _ in
            try await controlPlane.authenticate(request)
        })
        ControlPageRoutes.register(on: &masterRoutes)  // [webui wiring] the page at `/`, see AppBaseWeb
        if let tls {
            // [tls wiring] `/ca`: the page (AppBaseWeb) and the certificate itself (AppBaseTLS).
            CertificateAuthorityPageRoutes.register(on: &masterRoutes)
            CertificateAuthorityRoutes.register(on: &masterRoutes, authority: tls.store.authority)
        }
        FaultRoutes.register(on: &masterRoutes, settings: configuration.faults,
                             authorize: { try await controlPlane.authenticate($0) }, injector: registry)
        SiteRoutes.register(on: &masterRoutes, dataRoot: dataDirectory, authorize: { try await controlPlane.authenticate($0) },
                            appExists: { await registry.status($0) != nil })
        // metrics: GET /metrics, for a master key or an address in `[metrics] allow`.
        metrics.registerRoute(on: &masterRoutes, masterKeys: MasterKeyCheck(master: masterDatabase))
        APIDocumentRoutes.register(on: &masterRoutes, document: .master)  // /openapi.json and /docs (ADR 0038)
        let masterRouter = Router(app: "master", routes: masterRoutes, cors: .disabled, limits: configuration.limits,
                                  authenticator: nil, logger: logger)
        self.masterRouter = masterRouter
        let dispatcher = HostDispatcher(master: masterRouter, apps: registry.appRouters, dashboards: registry.dashboardRouters,
                                        dataRoot: dataDirectory, domain: configuration.mdns.domain)
        let boundMaster = try await server.listen(host: host, port: configuration.port, dispatcher: tls?.wrap(dispatcher) ?? dispatcher)
        masterPort.publish(boundMaster)
        logger.info("control plane listening on \(tls == nil ? "http" : "http and https")://\(host):\(boundMaster)")
        await mdns?.announceControlPlane(port: boundMaster)  // [mdns wiring]

        control = try ControlSocket(path: ControlClient.socketPath(dataDirectory: dataDirectory)) { line in
            await Self.handleControl(line, registry: registry)
        }
        await startHealthAndReload(registry: registry, loop: loop)
        state = .running
        return Ports(master: boundMaster, apps: await registry.boundPorts())
    }

    private static func handleControl(_ line: String, registry: AppRegistry) async -> String {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "error expected '<command> <app>'" }
        switch parts[0] {
        case "reload-keys":
            do {
                try await registry.reloadKeys(app: parts[1])
                return "ok"
            } catch let error as AppBaseError {
                return "error \(error.message)"
            } catch {
                return "error \(error)"
            }
        case "restore-app":
            return await AppRegistry.handleRestoreCommand(parts[1], registry: registry)
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

    /// The HealthMonitor and restarter over the registry, and — for a server started from a
    /// file — the watch on that file (and SIGHUP) for hot reload.
    private func startHealthAndReload(registry: AppRegistry, loop: EventLoop) async {
        let restarter = AppRestarter(policy: configuration.health.restartPolicy, target: registry, clock: clock, logger: logger)
        self.restarter = restarter
        let operatorActions = AppRestarter.subscribe(to: bus)
        restarterFollowing = (operatorActions, Task { await restarter.follow(operatorActions) })
        let monitor = HealthMonitor(settings: configuration.health, bus: bus, targets: registry,
                                    verdicts: RegistryHealthVerdicts(registry: registry, restarter: restarter), logger: logger)
        healthMonitor = monitor
        await monitor.start()
        guard configuration.watchesSourceFile else { return }
        let reloader = ConfigReloader(path: configuration.sourceFile, current: configuration, apps: registry, logger: logger)
        do {
            configWatcher = try await FileChangeWatcher(loop: loop, path: configuration.sourceFile, signal: SIGHUP) { reason in
                switch reason {
                case .fileChanged: Task { await reloader.fileChanged() }
                case .signal: Task { await reloader.reload() }
                }
            }
        } catch {
            // Serving matters more than reloading: say so once and go on without the watch.
            logger.warning("config hot reload is off: \(error)")
        }
    }

    private func stopAll() async {
        control?.close()
        control = nil
        await configWatcher?.stop()
        configWatcher = nil
        await tls?.stop()
        await healthMonitor?.stop()
        healthMonitor = nil
        await restarter?.stopAll()
        restarter = nil
        restarterFollowing?.subscription.cancel()
        await restarterFollowing?.task.value
        restarterFollowing = nil
        eventStreams?.closeAll()
        if let server {
            async let drained: Void = server.shutdown()
            await registry?.beginShutdown()
            await drained
        }
        await registry?.finishShutdown()
        requestSubscription?.cancel()
        requestCounting?.cancel()
        await requestCounting?.value
        requestSubscription = nil
        requestCounting = nil
        await mdns?.stop()  // [mdns wiring] after the apps' stopping/stopped events withdrew their names
        mdns = nil
        await metrics?.stop()
        metrics = nil
        await masterJobs?.stop()
        masterJobs = nil
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

/// An app named both in the config file and in `master.sqlite` (created through the control
/// plane): refused at start, since either silently winning would surprise someone.
public struct AppSourceConflictError: Error, Sendable, CustomStringConvertible {
    public let app: String
    public let configFile: String
    public var description: String {
        """
        app \(app) is defined in \(configFile) and was also created through the control plane (kept in \
        master.sqlite): remove [apps.\(app)] from \(configFile), or delete the API-created app with \
        DELETE /api/apps/\(app) on a server started without it in the file
        """
    }
}
