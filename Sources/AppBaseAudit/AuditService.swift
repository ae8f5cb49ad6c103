import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import Logging
import Synchronization

/// The audit log of one app as a service: its admin routes (`/admin/audit-log…`) and retention.
///
/// Entries are written by the other services inside their own writer transactions through the
/// environment's `AuditRecorder` (this service's `log`), never from the bus (ADR 0028).
public final class AuditService: AppService {
    let environment: AppEnvironment
    let settings: AuditSettings
    /// The log the environment's `auditRecorder` appends to.
    public let log: AuditLog
    private let pruneTask = Mutex<Task<Void, Never>?>(nil)

    public init(environment: AppEnvironment, log: AuditLog, settings: AuditSettings) {
        self.environment = environment
        self.log = log
        self.settings = settings
    }

    /// Adds `GET /admin/audit-log`, `GET /admin/audit-log/verify` and `GET /admin/audit-log.csv`.
    public func registerRoutes(on routes: inout RouteTable) { registerAuditRoutes(on: &routes) }

    /// Starts pruning every `pruneIntervalSeconds` when a retention window is set (the same
    /// pattern as the change log's pruner; `pruneExpired()` is also callable from a job).
    public func start() async throws {
        if settings.mode != .transaction {
            environment.logger.warning("audit log mode is \(settings.mode.rawValue) (a measurement mode, not for production)")
        }
        guard settings.retainDays > 0 else { return }
        let interval = settings.pruneIntervalSeconds
        let task = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard !Task.isCancelled else { return }
                do {
                    _ = try await pruneExpired()
                } catch {
                    environment.logger.warning("audit log prune failed: \(error)")
                }
            }
        }
        let previous = pruneTask.withLock { current in
            defer { current = task }
            return current
        }
        previous?.cancel()
    }

    public func shutdown() async {
        pruneTask.withLock { task in
            task?.cancel()
            task = nil
        }
    }

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
