/// A fault the platform can inject into one app (only with `[faults] enabled = true`), so
/// tests and demos can show the HealthMonitor detecting it and the restarter recovering.
public enum FaultKind: String, Sendable, CaseIterable {
    /// The app's services stop abruptly, as if they had crashed: streams end, the router
    /// probe fails.
    case crash
    /// The app's writer thread blocks: writes and the database probe stop answering.
    case hang
    /// The app's database becomes unreadable: its reader connections are closed.
    case db
}

/// Injects faults into a running app. Implemented by the platform; fakes in tests.
public protocol FaultInjecting: Sendable {
    /// - Throws: `not_found` for an unknown app, `unavailable` when it is not running.
    func injectFault(_ kind: FaultKind, into app: String) async throws
}
