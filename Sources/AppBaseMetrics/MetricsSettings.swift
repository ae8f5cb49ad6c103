import AppBaseCore

/// `[metrics]`: who may scrape `GET /metrics` without a master key, and how often the
/// sampled gauges (connections, streams, usage per app, hashing queue) are refreshed.
public struct MetricsSettings: Sendable {
    /// `[metrics] allow`: addresses or CIDR blocks (the socket peer, never `X-Forwarded-For`)
    /// that may scrape without a key. Default: loopback only.
    public var allow: [String]
    /// `[metrics] sample_interval_s`: seconds between samples of the gauges.
    public var sampleIntervalSeconds: Int

    public static let defaultAllow = ["127.0.0.1", "::1"]
    public static let sampleIntervalRange = 1...3600

    public init(allow: [String] = MetricsSettings.defaultAllow, sampleIntervalSeconds: Int = 15) {
        self.allow = allow
        self.sampleIntervalSeconds = sampleIntervalSeconds
    }

    /// The parsed allow list; entries that do not parse are left out (the config loader
    /// rejects them before this is built).
    public var allowRanges: [IPAddressRange] { allow.compactMap { IPAddressRange(parsing: $0) } }
}
