import AppBaseAuth
import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import Logging

/// The apps of one running server: owns each app's `AppSupervisor`, its `AppLifecycle`, its
/// port and the router snapshots the master port's `HostDispatcher` reads, so apps can be
/// created, stopped, started, restarted and deleted while the process runs.
///
/// Every lifecycle move goes through `transition(_:to:message:)`, which checks it against the
/// `AppLifecycle` table, writes one line to the master log and publishes `.appLifecycle` on the
/// bus. One app's failure is data here (`failed`, with its reason), never an error that stops
/// another app. Operations on one app are serialised by a busy flag (a second one gets 409);
/// operations on different apps interleave freely. The routers are swapped in `SnapshotCell`s,
/// so requests to other apps never wait for a change.
///
/// Entry points for other subsystems (the HealthMonitor, config hot reload) are documented in
/// `AppRegistry+Operations.swift` and are stable: `create`, `delete`, `stop`, `start`,
/// `restart(app:reason:)`, `markHealth(app:report:)`, `add`, `remove(app:)`, `reconfigure`.
public actor AppRegistry {
    /// What the registry needs from the root supervisor, fixed for its life.
    struct Runtime: Sendable {
        let server: HTTPServer
        let host: String
        /// `[mdns] domain` (host names in log lines).
        let domain: String
        let limits: HTTPLimits
        let bus: EventBus
        let clock: any WallClock
        let logger: Logger
        let hashPool: BlockingWorkPool
        let dataRoot: String
        let allocator: PortAllocator
        let master: DatabaseWriter
        /// The settings apps created through the control plane get.
        let apiAppServices: AppServiceSettings
        /// The config file (named in messages about config apps).
        let configFile: String
        /// Requests per app and minute, for `/admin/stats` (fed by the root's `RequestCounters`).
        var requestHistory: RequestRateHistory? = nil
        /// HTTPS: each app's certificate, and `[tls] plain` on its port (nil: TLS is off).
        var tls: PlatformTLS? = nil
        /// Runs scheduled backups (`[apps.<name>.backup]`) for the apps' queues; nil: none run.
        var backups: BackupRunner? = nil
    }

    struct Entry {
        var configuration: AppConfiguration
        let source: AppSource
        var lifecycle = AppLifecycle()
        var supervisor: AppSupervisor?
        /// The port the app has (bound, or reserved while stopped).
        var port: Int?
        /// The port its listener is bound to, while it is.
        var listening: Int?
        var lastError: String?
        var startedAt: Int64?
        var restarts = 0
        var health: HealthReport?
        var healthAt: Int64?
        /// The running app's auth service, for its dashboard setup link (AppInfo `dashboardSetup`).
        var auth: AuthService?
        /// An operation is in progress on this app.
        var busy = false
    }

    let runtime: Runtime
    /// `api.<app>.<domain>` → the app's router (read on the loop by `HostDispatcher`, and
    /// by the `AppGate` on the app's own port); `AppGate.Unavailable` (503) while it restarts.
    public nonisolated let appRouters = SnapshotCell<[String: any HTTPDispatcher]>([:])
    /// Faults injected into apps (with `[faults] enabled`), released before a teardown.
    let faults = AppFaults()
    /// `dashboard.<app>.<domain>` → the app's dashboard router.
    public nonisolated let dashboardRouters = SnapshotCell<[String: Router]>([:])
    var entries: [String: Entry] = [:]
    /// Names in registration order (start and shutdown order).
    var order: [String] = []
    /// Set at shutdown: later operations answer 503.
    var closing = false

    init(runtime: Runtime) { self.runtime = runtime }

    /// Every app's status, sorted by name.
    public func statuses() -> [AppStatus] { entries.keys.sorted().compactMap(status) }

    /// One app's status, nil when no such app.
    public func status(_ name: String) -> AppStatus? {
        guard let entry = entries[name] else { return nil }
        return AppStatus(name: name, state: entry.lifecycle.state, port: entry.port, source: entry.source,
                         health: entry.health, healthCheckedAt: entry.healthAt, restarts: entry.restarts,
                         lastError: entry.lastError, startedAt: entry.startedAt,
                         dashboardSetup: entry.lifecycle.isServing ? entry.auth?.dashboardSetupPath : nil)
    }

    /// The bound port of every serving app.
    public func boundPorts() -> [String: Int] {
        entries.compactMapValues { $0.lifecycle.isServing ? $0.listening : nil }
    }

    /// The PortAllocator's map (`GET /api/ports`).
    func portMap() async -> (range: ClosedRange<Int>, entries: [PortAllocator.Entry]) {
        (runtime.allocator.range, await runtime.allocator.entries())
    }

    /// Re-reads an app's API keys (the CLI changed them).
    func reloadKeys(app: String) async throws {
        guard let supervisor = entries[app]?.supervisor else { throw AppBaseError.notFound("App \(app) is not running.") }
        try await supervisor.reloadKeys()
    }

    // MARK: Lifecycle moves

    /// Moves `name`'s machine to `state`, logs the move and publishes it. An illegal move is a
    /// bug in the registry: it is logged at error level and changes nothing.
    func transition(_ name: String, to state: AppLifecycle.State, message: String? = nil) async {
        guard var entry = entries[name] else { return }
        let from = entry.lifecycle.state
        do {
            try entry.lifecycle.move(to: state)
        } catch {
            runtime.logger.error("app \(name): \(error)")
            return
        }
        entries[name] = entry
        let port = entry.port.map { " port \($0)" } ?? ""
        let reason = message.map { ": \($0)" } ?? ""
        runtime.logger.info("app \(name): \(from.rawValue) → \(state.rawValue)\(port)\(reason)")
        await runtime.bus.publish(.appLifecycle(AppLifecycleEvent(app: name, state: state, port: entry.port, message: message)))
    }

    /// Announces a new entry, whose machine starts in `provisioning`: the log line and the
    /// event every later move also gets.
    func announce(_ name: String) async {
        guard let entry = entries[name] else { return }
        runtime.logger.info("app \(name): new (\(entry.source.rawValue)) → provisioning")
        await runtime.bus.publish(.appLifecycle(AppLifecycleEvent(app: name, state: entry.lifecycle.state, port: entry.port)))
    }

    /// Starts `name`, whose machine is in `provisioning` (already published): a new supervisor,
    /// its database and services, then its port and routes. A failure leaves the app `failed`
    /// with its reason and returns false; it never throws.
    @discardableResult
    func launch(_ name: String) async -> Bool {
        guard let configuration = entries[name]?.configuration else { return false }
        let supervisor = AppSupervisor(configuration: configuration, dataRoot: runtime.dataRoot, bus: runtime.bus,
                                       clock: runtime.clock, logger: runtime.logger, hashPool: runtime.hashPool,
                                       limits: runtime.limits, requestHistory: runtime.requestHistory, backups: runtime.backups,
                                       loop: runtime.server.loop)
        entries[name]?.supervisor = supervisor
        // Its certificate before its port serves, so its first TLS client gets its names.
        runtime.tls?.appStarting(name)
        var bound: Int?
        do {
            let router = try await supervisor.prepare()
            let dashboard = await supervisor.dashboard
            // A restart keeps the listener (it answered 503 meanwhile); otherwise bind now.
            let port: Int
            if let kept = entries[name]?.listening {
                port = kept
            } else {
                port = try await bind(configuration)
                bound = port
            }
            // A shutdown may have begun while we were suspended: it owns the app now.
            guard entries[name]?.lifecycle.state == .provisioning, await supervisor.markBound(port: port) else {
                await runtime.server.stopListening(port: port)
                entries[name]?.listening = nil
                return false
            }
            entries[name]?.port = port
            entries[name]?.listening = port
            entries[name]?.lastError = nil
            entries[name]?.startedAt = runtime.clock.nowMilliseconds()
            appRouters.update { $0[name] = router }
            entries[name]?.auth = dashboard?.auth
            if let dashboard { dashboardRouters.update { $0[name] = dashboard.router } }
            if configuration.port != 0 { await runtime.allocator.markStarted(name) }
            await transition(name, to: .running)
            runtime.logger.info("app \(name) listening on http://\(runtime.host):\(port) (api.\(name).\(runtime.domain))")
            if let setup = dashboard?.auth.dashboardSetupPath {
                // The operator's one way in on first run (single use, 24 h); `appbase admin create` is the other.
                let scheme = runtime.tls == nil ? "http" : "https"
                let link = "\(scheme)://\(ControlPlane.urlHost(runtime.host)):\(port)\(setup)"
                runtime.logger.notice("app \(name) has no dashboard admin yet: open \(link) within 24 h to create one (the link works once), or run `appbase admin create --app \(name) --email ADDRESS --password-stdin`")
            }
            return true
        } catch {
            if let bound { await runtime.server.stopListening(port: bound) }
            await supervisor.stopServices()
            await supervisor.close()
            let reason = Self.reason(error)
            guard entries[name]?.lifecycle.state == .provisioning else { return false }
            entries[name]?.supervisor = nil
            entries[name]?.lastError = reason
            await transition(name, to: .failed, message: reason)
            return false
        }
    }

    /// Takes a running (or failed) app's subtree down: routes first (new requests on the master
    /// port get 404), then its listener, then its services (streams end, uploads finish), then
    /// its database. The port stays the app's. `drainRequests` lets requests already inside a
    /// serving app finish first; a failed (crashed, hung) app's requests cannot, so a restart
    /// does not wait for them.
    func teardown(_ name: String, drainRequests: Bool = true) async {
        appRouters.update { $0[name] = nil }
        dashboardRouters.update { $0[name] = nil }
        runtime.tls?.appStopped(name)
        let port = entries[name]?.listening
        if let port {
            await runtime.server.stopListening(port: port)
            entries[name]?.listening = nil
        }
        if let supervisor = entries[name]?.supervisor {
            await supervisor.stopServices()
            // Requests already inside the app finish before its database closes (bounded by the
            // shutdown grace); its port's keep-alive clients are closed or close after their answer.
            if drainRequests {
                await runtime.server.drain(app: name, port: port, timeout: .milliseconds(runtime.limits.shutdownGraceMillis))
            }
            await supervisor.close()
        }
        entries[name]?.supervisor = nil
        entries[name]?.auth = nil
    }

    /// Binds an app's port; a port taken by another process is skipped for an assigned port,
    /// or reported for a fixed one.
    private func bind(_ app: AppConfiguration) async throws -> Int {
        let server = runtime.server
        // The gate reads the app's current router per request, so a restart swaps it in place.
        let gate = AppGate(app: app.name, dispatchers: appRouters)
        let router = runtime.tls?.wrap(gate) ?? gate
        if app.port == 0 {
            // Ephemeral port (tests): nothing to remember.
            return try await server.listen(host: runtime.host, port: 0, dispatcher: router)
        }
        var busy: Set<Int> = []
        // Bounded: each round adds a port to `busy`; a range that busy is as good as full.
        for _ in 0..<64 {
            let port = try await runtime.allocator.port(for: app.name, fixed: app.port, avoiding: busy)
            do {
                return try await server.listen(host: runtime.host, port: port, dispatcher: router)
            } catch let error as ListenError where error.addressInUse && app.port == nil {
                runtime.logger.warning("app \(app.name): port \(port) is in use by another process; trying the next free one")
                busy.insert(port)
            } catch let error as ListenError where error.addressInUse {
                throw AppBaseError(status: 409, code: .conflict,
                                   message: "Port \(port) (fixed for app \(app.name)) is in use by another process.")
            }
        }
        throw AppBaseError(status: 503, code: .unavailable, message: "No bindable port found for app \(app.name).")
    }

    /// A failure's reason as shown in `lastError` (to the operator, who holds a master key): an
    /// `AppBaseError`'s message with its internal cause, else the error's text.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? AppBaseError else { return String(describing: error) }
        return error.cause.map { "\(error.message) (\($0))" } ?? error.message
    }

    // MARK: Shutdown

    /// First half of shutdown: every live app moves to `stopping` and its services end their
    /// long-lived work, all apps at once. Later operations answer 503.
    func beginShutdown() async {
        closing = true
        var stopping: [AppSupervisor] = []
        for name in order {
            guard let entry = entries[name], entry.lifecycle.state == .provisioning || entry.lifecycle.isServing else { continue }
            appRouters.update { $0[name] = nil }
            dashboardRouters.update { $0[name] = nil }
            await transition(name, to: .stopping)
            if let supervisor = entry.supervisor { stopping.append(supervisor) }
        }
        await withTaskGroup(of: Void.self) { group in
            for supervisor in stopping { group.addTask { await supervisor.stopServices() } }
        }
    }

    /// Second half, once the listener has drained: each app's database closes (in start order)
    /// and it moves to `stopped`.
    func finishShutdown() async {
        for name in order {
            guard let entry = entries[name] else { continue }
            await entry.supervisor?.close()
            entries[name]?.supervisor = nil
            entries[name]?.listening = nil
            if entry.lifecycle.state == .stopping { await transition(name, to: .stopped) }
        }
    }
}
