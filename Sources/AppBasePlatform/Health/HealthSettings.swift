/// `[health]`: how often the HealthMonitor probes each app, how long a probe may take, and
/// when a failing app is restarted or given up on (see docs/adr/0018-restart-intensity.md).
public struct HealthSettings: Sendable, Equatable {
    /// `interval_ms`: time between two probe rounds.
    public var intervalMillis: Int
    /// `timeout_ms`: how long the router probe and the database probe may each take.
    public var timeoutMillis: Int
    /// `failures_before_restart`: consecutive failed probes that make an app `failed`.
    public var failuresBeforeRestart: Int
    /// `max_restarts` within `restart_window_seconds`: one more failure stays `failed`.
    public var maxRestarts: Int
    public var restartWindowSeconds: Int

    public init(intervalMillis: Int = 900, timeoutMillis: Int = 1000, failuresBeforeRestart: Int = 2,
                maxRestarts: Int = 5, restartWindowSeconds: Int = 60) {
        self.intervalMillis = intervalMillis
        self.timeoutMillis = timeoutMillis
        self.failuresBeforeRestart = failuresBeforeRestart
        self.maxRestarts = maxRestarts
        self.restartWindowSeconds = restartWindowSeconds
    }

    /// The restart policy these settings describe (backoff 100 ms doubling to 5 s).
    public var restartPolicy: RestartPolicy {
        RestartPolicy(maxRestarts: maxRestarts, windowMillis: Int64(restartWindowSeconds) * 1000)
    }
}

/// `[faults]`: fault injection for tests and demos. Off by default: with it off the faults
/// route does not exist (404).
public struct FaultSettings: Sendable, Equatable {
    /// `enabled`.
    public var enabled: Bool
    public init(enabled: Bool = false) { self.enabled = enabled }
}
