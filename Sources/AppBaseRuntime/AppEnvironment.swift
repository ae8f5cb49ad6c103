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
    /// The app's audit log (entries written in the writer's transactions, ADR 0028).
    public let auditRecorder: any AuditRecorder

    public init(app: String, dataDirectory: String, storageDirectory: String, writer: DatabaseWriter,
                readers: DatabaseReaders, bus: EventBus, clock: any WallClock, logger: Logger, masterSecret: [UInt8],
                auditRecorder: any AuditRecorder = NoAuditRecorder()) {
        self.app = app
        self.dataDirectory = dataDirectory
        self.storageDirectory = storageDirectory
        self.writer = writer
        self.readers = readers
        self.bus = bus
        self.clock = clock
        self.logger = logger
        self.masterSecret = masterSecret
        self.auditRecorder = auditRecorder
    }

    /// Appends an audit entry durably — in a write of its own, which joins the writer's next group
    /// commit — and then publishes it on the bus. Returns once the entry has committed, so a
    /// response sent after this call always has its entry (ADR 0028). Writes that have a
    /// transaction of their own append there instead (`auditRecorder.append(_:in:)`).
    ///
    /// An append that fails (disk full) is logged: the action it describes has already happened.
    public func audit(_ action: String, actor: AuditActor, target: String? = nil, requestID: String? = nil,
                      details: [String: String] = [:]) async {
        let event = auditEvent(action, actor: actor, target: target, requestID: requestID, details: details)
        if auditRecorder.isEnabled {
            let recorder = auditRecorder
            do {
                try await writer.write { write in try recorder.append(event, in: write) }
            } catch {
                logger.error("audit append failed for \(action): \(error)")
            }
        }
        await bus.publish(.audit(event))
    }

    /// The audit event of `action`, stamped now.
    public func auditEvent(_ action: String, actor: AuditActor, target: String? = nil, requestID: String? = nil,
                           details: [String: String] = [:]) -> AuditEvent {
        AuditEvent(app: app, time: clock.nowMilliseconds(), actor: actor, action: action, target: target,
                   requestID: requestID, details: details)
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
