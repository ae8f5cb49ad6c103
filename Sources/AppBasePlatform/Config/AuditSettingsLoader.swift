import AppBaseAudit

/// Reads `[audit]` (the defaults) and `[apps.<name>.audit]` (one app's overrides).
/// docs/CONFIGURATION.md lists the keys.
enum AuditSettingsLoader {
    /// The keys of `table` over `defaults`.
    static func parse(_ table: inout ConfigTable, defaults: AuditSettings) throws(ConfigError) -> AuditSettings {
        var audit = defaults
        let modes = AuditSettings.Mode.allCases.map(\.rawValue)
        audit.mode = AuditSettings.Mode(rawValue: try table.choice("mode", modes, default: defaults.mode.rawValue)) ?? defaults.mode
        audit.retainDays = try table.int("retain_days", default: defaults.retainDays, range: 0...36_500)
        audit.pruneIntervalSeconds = try table.int("prune_interval_seconds", default: defaults.pruneIntervalSeconds,
                                                   range: 60...604_800)
        try table.rejectUnknownKeys()
        return audit
    }
}
