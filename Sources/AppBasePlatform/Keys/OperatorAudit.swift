import AppBaseAudit
import AppBaseAuth
import AppBaseCore
import AppBaseSQLite

/// The audit entries of changes an operator makes straight on an app's database — with the CLI
/// (`appbase keys`, `appbase admin`), or the control plane's first admin key of a new app:
/// appended on that connection inside the change's transaction, so the change and its entry
/// commit together whether or not the app's services run (ADR 0028). Actor `system`,
/// `details.via` = `cli` or `control_plane`; never a secret.
struct OperatorAudit {
    /// Whether the app's `[apps.<name>.audit] mode` keeps a log (false for `off`).
    let enabled: Bool
    let app: String
    let clock: any WallClock
    /// `details.via`.
    var via = "cli"

    /// A dashboard admin made or removed by the CLI (keys use `AuthAuditAction.keyCreated` and
    /// `.keyRevoked`, the actions of the same changes through the API).
    static let dashboardAdminCreated = "dashboard.admin.create"
    static let dashboardAdminRemoved = "dashboard.admin.remove"

    /// Appends one entry on `connection` (inside the caller's transaction) unless the log is off.
    func append(_ action: String, target: String, details: [String: String] = [:], on connection: SQLiteConnection) throws {
        guard enabled else { return }
        var facts = details
        facts["via"] = via
        let event = AuditEvent(app: app, time: clock.nowMilliseconds(), actor: .system, action: action, target: target,
                               details: facts)
        try AuditLog.append(event, onOwnConnection: connection)
    }
}
