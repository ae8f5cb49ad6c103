import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import Logging

/// The audit log of one app as a service: its admin routes (`/admin/audit-log…`) and retention.
///
/// Entries are written by the other services inside their own writer transactions through the
/// environment's `AuditRecorder` (this service's `log`), never from the bus (ADR 0028).
public final class AuditService: AppService {
    let environment: AppEnvironment
    let settings: AuditSettings
    /// The log the environment's `auditRecorder` appends to.
    public let log: AuditLog

    public init(environment: AppEnvironment, log: AuditLog, settings: AuditSettings) {
        self.environment = environment
        self.log = log
        self.settings = settings
    }

    /// Adds `GET /admin/audit-log`, `GET /admin/audit-log/verify` and `GET /admin/audit-log.csv`.
    public func registerRoutes(on routes: inout RouteTable) { registerAuditRoutes(on: &routes) }

    /// Warns when the log runs in a measurement mode. Pruning is the app's job queue's
    /// `audit.prune`, which calls `pruneExpired()` every `pruneIntervalSeconds` (ADR 0036).
    public func start() async throws {
        if settings.mode != .transaction {
            environment.logger.warning("audit log mode is \(settings.mode.rawValue) (a measurement mode, not for production)")
        }
    }

    public func shutdown() async {}

    /// How often the job queue runs `pruneExpired()` (`prune_interval_seconds`).
    public var pruneIntervalSeconds: Int64 { Int64(settings.pruneIntervalSeconds) }

    /// Prunes the entries older than the retention window now; returns how many were deleted
    /// (0 when `retain_days` is 0). Does not wake the writer when nothing is old enough.
    @discardableResult
    public func pruneExpired() async throws -> Int {
        guard settings.retainDays > 0 else { return 0 }
        let cutoff = environment.clock.nowMilliseconds() - Int64(settings.retainDays) * 86_400_000
        let oldest = try await environment.readers.read { connection in
            try connection.queryOne("SELECT time FROM audit_log ORDER BY seq LIMIT 1") { $0.int64(0) }
        }
        guard let oldest, oldest < cutoff else { return 0 }
        return try await log.prune(before: cutoff)
    }
}
