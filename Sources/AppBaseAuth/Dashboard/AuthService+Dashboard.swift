import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import Logging

/// The dashboard's state across the service's life: loaded at start (with a fresh setup link when
/// no admin exists yet), reloaded when the CLI changes admins, pruned by the upkeep.
extension AuthService {
    /// The dashboard schema (namespace `dashboard`): `dashboard_admins`, `dashboard_sessions`,
    /// `dashboard_setup_tokens`.
    public static let dashboardMigrations = MigrationSet(namespace: DashboardMigrations.namespace,
                                                         migrations: DashboardMigrations.all)

    /// `/dashboard/setup#token=…` while no dashboard admin exists and the link has not expired; nil
    /// otherwise. The platform logs it at start-up and shows it in the control plane's AppInfo.
    public var dashboardSetupPath: String? {
        dashboard.book.pendingSetup(now: environment.clock.nowMilliseconds()).map { "/dashboard/setup#token=\($0.token)" }
    }

    /// Loads admins and live sessions; with no admin, issues a new single-use setup token (valid
    /// 24 h, stored hashed; the previous unused one stops working).
    func loadDashboard() async throws {
        let now = environment.clock.nowMilliseconds()
        let (count, sessions) = try await environment.readers.read { connection in
            (try DashboardStore.adminCount(on: connection), try DashboardStore.liveSessions(now: now, on: connection))
        }
        var setup: DashboardSessionBook.Setup?
        if count == 0 {
            let token = OpaqueToken.generateRefreshToken()
            let expiresAt = now + DashboardAuth.setupLifetimeMillis
            let hash = OpaqueToken.hash(token)
            try await environment.writer.write { context in
                try DashboardStore.replaceSetupToken(hash: hash, now: now, expiresAt: expiresAt, on: context.connection)
            }
            setup = DashboardSessionBook.Setup(token: token, expiresAt: expiresAt)
        }
        dashboard.book.replace(sessions: sessions, adminCount: count, setup: setup)
    }

    /// Re-reads admins and sessions after the CLI changed them (`appbase admin create|remove`), so a
    /// removed admin's sessions stop working on the next request and the setup link disappears once an
    /// admin exists. A pending setup link stays as it was while there is still no admin.
    /// - Throws: SQLite errors.
    public func reloadDashboard() async throws {
        let now = environment.clock.nowMilliseconds()
        let (count, sessions) = try await environment.readers.read { connection in
            (try DashboardStore.adminCount(on: connection), try DashboardStore.liveSessions(now: now, on: connection))
        }
        if count > 0 {
            try await environment.writer.write { try DashboardStore.deleteUnusedSetupTokens(on: $0.connection) }
        }
        dashboard.book.replace(sessions: sessions, adminCount: count, setup: dashboard.book.pendingSetup(now: now))
        changes.send(())
    }

    /// Upkeep: forget expired sessions in memory, delete those that ended a day ago on disk.
    func pruneDashboard(now: Int64) async {
        dashboard.throttle.prune()
        dashboard.book.prune(now: now)
        do {
            try await environment.writer.write { context in
                try DashboardStore.deleteEndedSessions(before: now - DashboardAuth.setupLifetimeMillis, on: context.connection)
            }
        } catch {
            environment.logger.warning("dashboard upkeep failed: \(error)")
        }
    }
}
