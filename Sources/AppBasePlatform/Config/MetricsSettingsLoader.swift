import AppBaseCore
import AppBaseMetrics

/// `[metrics]`: `allow` (addresses or CIDR blocks that may scrape `/metrics` without a
/// master key) and `sample_interval_s`.
enum MetricsSettingsLoader {
    static func parse(_ table: inout ConfigTable) throws(ConfigError) -> MetricsSettings {
        var settings = MetricsSettings()
        settings.allow = try table.strings("allow", default: MetricsSettings.defaultAllow) ?? MetricsSettings.defaultAllow
        for entry in settings.allow where IPAddressRange(parsing: entry) == nil {
            throw table.error("allow", "\"\(entry)\" is not an IP address or CIDR block")
        }
        settings.sampleIntervalSeconds = try table.int("sample_interval_s", default: settings.sampleIntervalSeconds,
                                                       range: MetricsSettings.sampleIntervalRange)
        return settings
    }
}
