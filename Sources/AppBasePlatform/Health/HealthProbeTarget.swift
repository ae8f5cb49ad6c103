import AppBaseCore

/// One running app as the HealthMonitor sees it: something to send `GET /health` through and
/// something whose database it can check. Implemented by the platform for each app subtree, and by
/// fakes in tests.
public protocol HealthProbeTarget: Sendable {
    /// The app's name.
    var app: String { get }
    /// Which start of the app this is (a restart makes a new one), so the monitor's failure
    /// count starts afresh for a restarted subtree.
    var generation: Int { get }
    /// Dispatches `GET /health` through the app's router in-process; throws unless it is 200.
    func probeRouter() async throws
    /// Checks the app's database: throws when its writer has been stuck in one job for longer than
    /// `stuckAfter`, or when the file cannot be read. Must not queue work on an idle writer.
    func probeDatabase(stuckAfter: Duration) async throws
}

/// Where the HealthMonitor gets the apps to probe: those serving now (running or degraded).
public protocol HealthTargetSource: Sendable {
    func healthTargets() async -> [any HealthProbeTarget]
}

/// What the HealthMonitor tells the owner of the apps' lifecycle (the registry) when an
/// app's verdict changes. Reports themselves travel on the bus (`.health`).
public protocol HealthVerdictHandling: Sendable {
    /// Every report of a round (after it is on the bus): the registry keeps the last one.
    func recordReport(_ report: HealthReport) async
    /// One probe failed after the app was healthy: `running → degraded`.
    func appDegraded(_ app: String, reason: String) async
    /// A probe passed after the app was degraded: `degraded → running`.
    func appRecovered(_ app: String) async
    /// `failures_before_restart` consecutive probes failed: tear it down and restart it.
    func appFailed(_ app: String, reason: String) async
}

extension HealthVerdictHandling {
    public func recordReport(_ report: HealthReport) async {}
}
