/// Gauges that are read rather than pushed: sampled every `sample_interval_s` from a
/// `MetricsSampleSource`. Nil means "not known" and leaves the last value in place.
public struct MetricsSample: Sendable {
    /// Open HTTP connections on all ports.
    public var openConnections: Int?
    /// Argon2id jobs admitted and not finished (running plus waiting).
    public var hashQueueDepth: Int?
    /// Request summaries the HTTP layer dropped because one loop turn answered too many (a total).
    public var requestSummariesDropped: Int?
    /// Usage per app, by app name.
    public var apps: [String: AppUsage]
    /// The master queue's jobs by kind and state; nil = not known.
    public var masterJobs: JobCounts?

    public init(openConnections: Int? = nil, hashQueueDepth: Int? = nil, requestSummariesDropped: Int? = nil,
                apps: [String: AppUsage] = [:]) {
        self.openConnections = openConnections
        self.hashQueueDepth = hashQueueDepth
        self.requestSummariesDropped = requestSummariesDropped
        self.apps = apps
    }
}

/// One app's sampled usage.
public struct AppUsage: Sendable, Hashable {
    /// Open Server-Sent Events streams (change feed).
    public var sseStreams: Int?
    /// Records in all collections.
    public var records: Int?
    /// Stored files (current versions).
    public var files: Int?
    /// Bytes of stored files, all versions.
    public var storageBytes: Int64?
    /// The app queue's jobs by kind and state.
    public var jobs: JobCounts?

    public init(sseStreams: Int? = nil, records: Int? = nil, files: Int? = nil, storageBytes: Int64? = nil, jobs: JobCounts? = nil) {
        self.sseStreams = sseStreams
        self.records = records
        self.files = files
        self.storageBytes = storageBytes
        self.jobs = jobs
    }
}

/// Jobs of one queue by kind and state (`queued`, `running`, `done`, `failed`), as counted from its table.
public struct JobCounts: Sendable, Hashable {
    public struct Key: Sendable, Hashable {
        public var kind: String
        public var state: String
        public init(kind: String, state: String) {
            self.kind = kind
            self.state = state
        }
    }
    public var counts: [Key: Int]
    public init(_ counts: [Key: Int] = [:]) { self.counts = counts }
}

/// Implemented by the platform: reads the sampled gauges. Called off the event loop, once
/// per interval; it should answer from counters and cheap aggregate queries (`count(*)`,
/// `sum(size)`) rather than scans.
public protocol MetricsSampleSource: Sendable {
    func metricsSample() async -> MetricsSample
}
