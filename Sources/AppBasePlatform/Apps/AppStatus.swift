import AppBaseCore

/// Where an app is registered: the config file, or the control plane (kept in `master.sqlite`).
public enum AppSource: String, Sendable, Hashable {
    case config
    case api
}

/// What the registry knows of one app right now (the control plane renders it as AppInfo).
public struct AppStatus: Sendable, Hashable {
    public let name: String
    public let state: AppLifecycleEvent.State
    /// The bound port while serving; the reserved port while stopped or failed, when known.
    public let port: Int?
    public let source: AppSource
    /// The last health report, and when it arrived (unix milliseconds).
    public let health: HealthReport?
    public let healthCheckedAt: Int64?
    /// Restarts since the process started (through `AppRegistry.restart(app:reason:)`).
    public let restarts: Int
    /// Why the app last failed; nil once it runs again.
    public let lastError: String?
    /// When the app last reached `running` (unix milliseconds).
    public let startedAt: Int64?
    /// `/dashboard/setup#token=…` while the app runs with no dashboard admin (and the link is unexpired).
    public let dashboardSetup: String?
}
