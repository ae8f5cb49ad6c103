import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import Logging

/// What every service of one app shares. The app's subtree owns `dataDirectory`
/// (`data/<app>/`: `app.sqlite`, `storage/`) and nothing else.
public struct AppEnvironment: Sendable {
    /// The app's name (its id and DNS label).
    public let app: String
    /// `data/<app>`.
    public let dataDirectory: String
    /// `data/<app>/storage`.
    public let storageDirectory: String
    /// The app database's single writer.
    public let writer: DatabaseWriter
    /// The app database's read connections.
    public let readers: DatabaseReaders
    /// The root supervisor's bus.
    public let bus: EventBus
    public let clock: any WallClock
    public let logger: Logger
    /// 32 random bytes generated when the app was provisioned; services derive
    /// purpose-specific keys from it (never use it directly).
    public let masterSecret: [UInt8]

    public init(app: String, dataDirectory: String, storageDirectory: String, writer: DatabaseWriter,
                readers: DatabaseReaders, bus: EventBus, clock: any WallClock, logger: Logger, masterSecret: [UInt8]) {
        self.app = app
        self.dataDirectory = dataDirectory
        self.storageDirectory = storageDirectory
        self.writer = writer
        self.readers = readers
        self.bus = bus
        self.clock = clock
        self.logger = logger
        self.masterSecret = masterSecret
    }

    /// Publishes an audit event (lossless: waits if the audit subscriber is behind).
    public func audit(_ action: String, actor: AuditActor, target: String? = nil, requestID: String? = nil,
                      details: [String: String] = [:]) async {
        await bus.publish(.audit(AuditEvent(app: app, time: clock.nowMilliseconds(), actor: actor, action: action,
                                            target: target, requestID: requestID, details: details)))
    }
}

/// A service's schema: its own migration namespace inside the app database.
public struct MigrationSet: Sendable {
    public let namespace: String
    public let migrations: [Migration]
    public init(namespace: String, migrations: [Migration]) {
        self.namespace = namespace
        self.migrations = migrations
    }
}

/// One service of an app subtree (auth, collections, change feed, storage).
///
/// Lifecycle, driven by the app's supervisor: migrations run when the database opens, then
/// `start()` (before the app's port is bound), then requests, then `shutdown()` (after the
/// listener has drained, before the database closes).
public protocol AppService: Sendable {
    /// Adds this service's routes.
    func registerRoutes(on routes: inout RouteTable)
    /// Prepares state (load snapshots, clean up after a crash).
    func start() async throws
    /// Ends long-lived work (streams, background tasks).
    func shutdown() async
}

extension AppService {
    public func start() async throws {}
    public func shutdown() async {}
}
