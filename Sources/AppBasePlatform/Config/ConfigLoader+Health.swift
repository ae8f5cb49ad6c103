extension ConfigLoader {
    /// `[health]`: probe interval and timeout, when to restart, the restart intensity limit.
    static func parseHealth(_ table: inout ConfigTable) throws(ConfigError) -> HealthSettings {
        var health = HealthSettings()
        health.intervalMillis = try table.int("interval_ms", default: health.intervalMillis, range: 100...3_600_000)
        health.timeoutMillis = try table.int("timeout_ms", default: health.timeoutMillis, range: 10...600_000)
        health.failuresBeforeRestart = try table.int("failures_before_restart", default: health.failuresBeforeRestart, range: 1...100)
        health.maxRestarts = try table.int("max_restarts", default: health.maxRestarts, range: 0...1000)
        health.restartWindowSeconds = try table.int("restart_window_seconds", default: health.restartWindowSeconds, range: 1...86_400)
        try table.rejectUnknownKeys()
        return health
    }

    /// `[faults]`: fault injection, off unless `enabled = true`.
    static func parseFaults(_ table: inout ConfigTable) throws(ConfigError) -> FaultSettings {
        let faults = FaultSettings(enabled: try table.bool("enabled", default: false) ?? false)
        try table.rejectUnknownKeys()
        return faults
    }
}
