import AppBaseAudit
import AppBaseAuth
import AppBaseChangeFeed
import AppBaseCollections
import AppBaseCore
import AppBaseHTTP
import AppBaseJobs
import AppBaseRuntime
import AppBaseSQLite
import AppBaseStorage
import AppBaseWeb
import Logging
#if canImport(Glibc)
import Glibc
import OrderedCollections
#endif

/// One app's subtree: its database (one writer, readers), its services and its port.
///
/// Owns `data/<app>/` and nothing else. Start order: directories → database and every
/// service's migrations → services → port. Stop order is the reverse.
///
/// One instance runs one start: a restart builds a new supervisor. It publishes no lifecycle
/// events itself: its owner, the `AppRegistry`, moves the app's `AppLifecycle` and publishes
/// each transition, so the machine has one home.
actor AppSupervisor {
    private enum State {
        case initial
        case starting
        /// A stop arrived while `prepare` was suspended in one of its awaits. The stop wins:
        /// `prepare` releases what it opened, moves to `stopped`, then resumes these `close()`
        /// callers, so `close()` returns only once the database is closed.
        case abandoningStart(closers: [CheckedContinuation<Void, Never>])
        case running(Running)
        case stopping
        case stopped
        case failed(String)
    }

    private struct Running {
        let environment: AppEnvironment
        let services: [any AppService]
        let auth: AuthService
        /// The app's job queue (its services' maintenance, `/admin/jobs`).
        let jobs: JobScheduler
        let router: Router
        /// The same routes for `dashboard.<app>.<domain>`, with the dashboard page at `/` and no CORS.
        let dashboardRouter: Router
        let port: Int
    }

    let configuration: AppConfiguration
    private let dataRoot: String
    private let bus: EventBus
    private let clock: any WallClock
    private let logger: Logger
    private let hashPool: BlockingWorkPool
    private let limits: HTTPLimits
    /// Requests per minute of every app (the root's), read by `/admin/stats`.
    private let requestHistory: RequestRateHistory
    /// Awaited at the start of `prepare`, once the state is `starting`: a test holds a start
    /// at a known suspension point with it.
    private let startGate: (@Sendable () async -> Void)?
    /// The loop the app's routes run on: GET-by-id reads on it share one snapshot per turn.
    private let loop: EventLoop?
    /// Runs the app's scheduled backups (`configuration.backup`); nil: none run.
    let backups: BackupRunner?
    private var state = State.initial

    init(configuration: AppConfiguration, dataRoot: String, bus: EventBus, clock: any WallClock, logger: Logger,
         hashPool: BlockingWorkPool, limits: HTTPLimits, requestHistory: RequestRateHistory? = nil,
         backups: BackupRunner? = nil, loop: EventLoop? = nil, startGate: (@Sendable () async -> Void)? = nil) {
        self.backups = backups
        self.loop = loop
        self.configuration = configuration
        self.dataRoot = dataRoot
        self.bus = bus
        self.clock = clock
        self.logger = logger
        self.hashPool = hashPool
        self.limits = limits
        self.requestHistory = requestHistory ?? RequestRateHistory(clock: clock)
        self.startGate = startGate
    }

    nonisolated var name: String { configuration.name }

    /// The migrations every app database carries, by namespace.
    static let migrationSets: [(namespace: String, migrations: [Migration])] = [
        ("platform", AppMetadata.migrations),
        (AuthService.migrations.namespace, AuthService.migrations.migrations),
        (AuthService.dashboardMigrations.namespace, AuthService.dashboardMigrations.migrations),
        (CollectionService.migrations.namespace, CollectionService.migrations.migrations),
        (ChangeFeedService.migrations.namespace, ChangeFeedService.migrations.migrations),
        (StorageService.migrations.namespace, StorageService.migrations.migrations),
        (JobSchema.namespace, JobSchema.migrations),
        (AuditLog.migrations.namespace, AuditLog.migrations.migrations),
    ]

    /// `data/<app>/app.sqlite`.
    static func databasePath(dataRoot: String, app: String) -> String { "\(dataRoot)/\(app)/app.sqlite" }

    /// Opens the database, runs migrations, starts the services and builds the router.
    /// The port is bound by the caller (`bind`), after this returns.
    ///
    /// The actor is reentrant: `stopServices()` or `close()` may run while this is suspended.
    /// The state is re-checked after every await, and a stop that arrived meanwhile wins.
    /// - Throws: the first failing step's error (state `failed`), or `AppBaseError` `unavailable`
    ///   when a stop arrived first (state `stopped`); either way everything opened is released.
    func prepare() async throws -> Router {
        guard case .initial = state else { preconditionFailure("AppSupervisor.prepare called twice") }
        state = .starting
        // What has been opened so far, released again if a later step fails.
        var openedWriter: DatabaseWriter?
        var openedReaders: DatabaseReaders?
        var startedServices: [any AppService] = []
        var startedJobs: JobScheduler?
        do {
            await startGate?()
            try ensureStillStarting()
            let directory = "\(dataRoot)/\(name)"
            let storage = "\(directory)/storage"
            try DataDirectory.create(directory)
            try DataDirectory.create(storage)
            let path = Self.databasePath(dataRoot: dataRoot, app: name)
            // Threads end when idle: an app that serves nothing holds none (ADR 0024). The WAL is
            // copied back into the database file off the writer's thread (ADR 0048).
            let writer = try await DatabaseWriter.open(path: path, pragmas: MasterDatabase.writerPragmas,
                                                       migrations: Self.migrationSets, idleTimeout: IdleThreads.timeout,
                                                       checkpoint: .standard)
            openedWriter = writer
            try ensureStillStarting()
            let readers = try await DatabaseReaders.open(path: path, count: 2, pragmas: MasterDatabase.readerPragmas,
                                                         idleTimeout: IdleThreads.timeout)
            openedReaders = readers
            if let loop {
                // Point reads on the loop share a read transaction until the turn ends (ADR 0025).
                readers.shareInlineSnapshots(commits: { writer.commitCount }, endOfTurn: { end in
                    guard loop.isCurrent else { return false }
                    loop.atEndOfTurn(end)
                    return true
                })
            }
            try ensureStillStarting()
            let secret = try await AppMetadata.masterSecret(writer: writer)
            try ensureStillStarting()
            var appLogger = logger
            appLogger[metadataKey: "app"] = .string(name)
            let settings = configuration.services
            // Every service appends its audit entries through this log, inside its own writer transactions (ADR 0028).
            let auditLog = AuditLog(writer: writer, clock: clock, mode: settings.audit.mode)
            let environment = AppEnvironment(app: name, dataDirectory: directory, storageDirectory: storage, writer: writer,
                                             readers: readers, bus: bus, clock: clock, logger: appLogger, masterSecret: secret,
                                             auditRecorder: auditLog)
            // The app's own lane of the shared pool: apps take turns, so one app's storm cannot delay another's logins.
            let auth = AuthService(environment: environment, settings: settings.auth, hashPool: hashPool.lane(configuration.name))
            let feed = ChangeFeedService(environment: environment, settings: settings.changeFeed, identities: auth)
            let collections = CollectionService(environment: environment, settings: settings.collections, recorder: feed)
            feed.attach(rules: collections)
            let storageService = StorageService(environment: environment, settings: settings.storage, users: auth)
            auth.attach(erasers: UserDataErasers(records: collections, files: storageService))  // ADR 0027
            let audit = AuditService(environment: environment, log: auditLog, settings: settings.audit)
            let services: [any AppService] = [auth, collections, feed, storageService, audit]
            for service in services {
                try await service.start()
                startedServices.append(service)
                try ensureStillStarting()
            }

            // After the services: its jobs call them. Jobs run off the loop, each app on its own queue.
            let registry = Self.jobRegistry(auth: auth, feed: feed, storage: storageService, audit: audit, settings: settings.jobs,
                                            dataDirectory: directory, backups: scheduledBackups)
            let jobs = JobScheduler(scope: name, writer: writer, readers: readers, registry: registry, settings: settings.jobs,
                                    clock: clock, logger: appLogger)
            try await jobs.start()
            startedJobs = jobs
            if settings.jobs.testInterruptJob { try await TestInterruptJob.enqueueOnce(on: jobs) }
            try ensureStillStarting()

            var routes = RouteTable()
            HealthRoute.register(on: &routes, app: name)
            for service in services { service.registerRoutes(on: &routes) }
            SDKRoutes.register(on: &routes)  // /sdk/appbase.js and .d.ts
            if let site = configuration.siteDirectory { AppSiteRoutes.register(on: &routes, directory: site) }
            AdminStatsRoute(app: name, auth: auth, collections: collections, feed: feed, storage: storageService,
                            history: requestHistory).register(on: &routes)
            DashboardPageRoutes.register(on: &routes)
            jobs.registerRoutes(on: &routes, audit: { action, jobID, request, context in
                await environment.audit(action, actor: context.auditActor(userAgent: request.headers["user-agent"]),
                                        target: jobID, requestID: context.requestID)
            })
            APIDocumentRoutes.register(on: &routes, document: .app)  // /openapi.json and /docs (ADR 0038)
            let router = Router(app: name, routes: routes, cors: configuration.corsPolicy,
                                limits: limits, authenticator: auth, logger: appLogger)
            var dashboardRoutes = routes
            DashboardPageRoutes.registerRoot(on: &dashboardRoutes)
            let dashboardRouter = Router(app: name, routes: dashboardRoutes, cors: .disabled, limits: limits,
                                         authenticator: auth, logger: appLogger)
            // No await since the last check: the state is still `starting`.
            state = .running(Running(environment: environment, services: services, auth: auth, jobs: jobs, router: router,
                                     dashboardRouter: dashboardRouter, port: 0))
            return router
        } catch {
            await startedJobs?.stop()
            for service in startedServices.reversed() { await service.shutdown() }
            await openedReaders?.close()
            await openedWriter?.close()
            // Read after the awaits above: a stop may have arrived during them too.
            if case .abandoningStart(let closers) = state {
                state = .stopped
                for closer in closers { closer.resume() }
                throw error
            }
            state = .failed(String(describing: error))
            throw error
        }
    }

    /// Throws `unavailable` when a stop arrived while `prepare` was suspended.
    private func ensureStillStarting() throws {
        guard case .starting = state else {
            throw AppBaseError(status: 503, code: .unavailable, message: "App \(name) was stopped while starting.")
        }
    }

    /// Records the bound port. Returns false when a stop arrived first (the app is not running).
    @discardableResult
    func markBound(port: Int) -> Bool {
        guard case .running(let running) = state else { return false }
        state = .running(Running(environment: running.environment, services: running.services, auth: running.auth,
                                 jobs: running.jobs, router: running.router, dashboardRouter: running.dashboardRouter, port: port))
        return true
    }

    /// The app's port while running.
    var port: Int? {
        if case .running(let running) = state { return running.port }
        return nil
    }

    /// Re-reads API keys and dashboard admins after the CLI changed them.
    func reloadKeys() async throws {
        guard case .running(let running) = state else { throw AppBaseError.notFound("App \(name) is not running.") }
        try await running.auth.reloadKeys()
        try await running.auth.reloadDashboard()
    }

    /// The dashboard host's router and the auth service (for the setup link), while running.
    var dashboard: (router: Router, auth: AuthService)? {
        guard case .running(let running) = state else { return nil }
        return (running.dashboardRouter, running.auth)
    }

    /// The running subtree's router, database and services, for the HealthMonitor's probes and
    /// for fault injection (see `AppFaults`); nil unless running.
    var runningParts: AppRunningParts? {
        guard case .running(let running) = state else { return nil }
        return AppRunningParts(router: running.router, writer: running.environment.writer,
                               readers: running.environment.readers, services: running.services)
    }

    /// Ends the services' long-lived work (SSE streams) so in-flight requests can finish.
    /// While `prepare` is still running, marks the start as abandoned instead: `prepare` then
    /// shuts down whatever it started and throws.
    func stopServices() async {
        if case .starting = state {
            state = .abandoningStart(closers: [])
            return
        }
        guard case .running(let running) = state else { return }
        // Jobs first: they call the services. A job cancelled here runs again at the next start.
        await running.jobs.stop()
        // Concurrently: the change feed must end its streams at once, not after storage has
        // waited for in-flight uploads.
        await withTaskGroup(of: Void.self) { group in
            for service in running.services { group.addTask { await service.shutdown() } }
        }
    }

    /// Closes the database (checkpointing the WAL). Call after the listener has drained.
    /// While `prepare` is still running, abandons the start and returns once `prepare` has
    /// released everything it opened.
    func close() async {
        let running: Running
        switch state {
        case .running(let current):
            running = current
        case .starting, .abandoningStart:
            await withCheckedContinuation { (closer: CheckedContinuation<Void, Never>) in
                var closers: [CheckedContinuation<Void, Never>] = []
                if case .abandoningStart(let waiting) = state { closers = waiting }
                state = .abandoningStart(closers: closers + [closer])
            }
            return
        case .initial, .stopping, .stopped, .failed:
            state = .stopped
            return
        }
        state = .stopping
        await running.environment.writer.close()
        await running.environment.readers.close()
        state = .stopped
    }
}

/// `GET /health` on every port, answered on the loop without a task.
enum HealthRoute {
    static func register(on routes: inout RouteTable, app: String) {
        // Built once; each request returns the same value (no allocation per health check).
        let response = HTTPResponse.json(
            200, JSONValue.object(["status": "ok", "app": .string(app), "version": .string(AppBaseVersion.current)]).serialized())
        routes.addInline(.GET, "/health", auth: .none) { _, _ in response }
    }
}
