/// The change feed's limits for one app, with their documented defaults
/// (`[apps.<name>.realtime]` in the configuration file).
public struct ChangeFeedSettings: Sendable, Hashable {
    /// Change-log entries older than this are pruned. Default 24 h.
    public var maxAgeSeconds: Int64 = 24 * 3600
    /// The log keeps at most this many entries. Default 100,000.
    public var maxEvents = 100_000
    /// The log keeps at most this many bytes of record images. Default 256 MiB.
    public var maxBytes: Int64 = 256 << 20
    /// A stream with nothing to send gets `event: heartbeat` (carrying the sequence evaluated so
    /// far) this often. Default 15 s.
    public var heartbeatSeconds = 15
    /// The `retry:` hint sent to clients. Default 2000 ms.
    public var retryMilliseconds = 2000
    /// Events buffered per stream; a stream whose client falls further behind is closed (it can
    /// resume with `Last-Event-ID`) so it slows nobody else. Default 1024.
    public var subscriberBuffer = 1024
    /// Bytes of events buffered per stream, the same way (one event larger than this still goes
    /// through alone). Default 16 MiB.
    public var subscriberBufferBytes = 16 << 20
    /// Committed changes waiting to be fanned out. Beyond it (fan-out far behind the writer),
    /// changes are dropped from live delivery and the open streams on their collections are
    /// closed; clients resume from the log with `Last-Event-ID`, so nothing is lost. Default 10,000.
    public var fanOutBacklog = 10_000
    /// The same bound in bytes of record images waiting. Default 64 MiB.
    public var fanOutBacklogBytes = 64 << 20
    /// Open streams per user → 429 `rate_limited` beyond. Default 16.
    public var maxStreamsPerUser = 16
    /// Open streams per client IP → 429 `rate_limited` beyond. Default 256.
    public var maxStreamsPerIP = 256
    /// How often the log is pruned. Default 60 s.
    public var pruneIntervalSeconds = 60
    /// Change-log rows read per replay step. Default 256.
    public var replayPageSize = 256
    /// Rows deleted per prune transaction, so pruning never holds the writer long: the writes
    /// queued behind one batch wait for it. Default 1,000 (~1.5 MB of WAL with 300-byte
    /// records; 5,000-row batches were the likeliest cause of commits held 10–28 ms on a 2-core VM).
    public var pruneBatchRows = 1000

    /// The defaults above.
    public init() {}
}
