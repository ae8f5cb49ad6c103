/// The metric families AppBase exposes (Prometheus names; labels in brackets).
///
/// Every label value comes from a bounded set: app names from the configuration, route
/// patterns from the route tables, methods from a fixed list, statuses from HTTP.
public enum MetricNames {
    /// Counter [app, route, method, status, status_class].
    public static let requests = "appbase_http_requests_total"
    /// Histogram, seconds [app, route, method].
    public static let requestDuration = "appbase_http_request_duration_seconds"
    /// Gauge: open HTTP connections on all ports.
    public static let openConnections = "appbase_http_open_connections"
    /// Gauge [app]: open Server-Sent Events streams.
    public static let sseStreams = "appbase_sse_streams"
    /// Gauge [app]: records in all collections.
    public static let records = "appbase_app_records"
    /// Gauge [app]: stored files.
    public static let files = "appbase_app_files"
    /// Gauge [app]: bytes of stored files.
    public static let storageBytes = "appbase_app_storage_bytes"
    /// Gauge [app, state]: 1 for the app's current lifecycle state, 0 for the others.
    public static let appState = "appbase_app_state"
    /// Gauge [app]: 1 when the last health probe passed, 0 when it failed.
    public static let appHealthy = "appbase_app_healthy"
    /// Counter [app]: restarts after a failure (failed → provisioning).
    public static let appRestarts = "appbase_app_restarts_total"
    /// Gauge: Argon2id jobs admitted and not finished.
    public static let hashQueueDepth = "appbase_hash_queue_depth"
    /// Gauge [app, kind, state]: jobs of an app's queue in each state (sampled from its table).
    public static let jobs = "appbase_jobs"
    /// Gauge [kind, state]: jobs of the master's queue in each state.
    public static let masterJobs = "appbase_master_jobs"
    /// Counter [stage]: events metrics never saw — `bus` (the subscriber's buffer was full) or
    /// `loop_turn` (one loop turn answered more requests than the recorder keeps).
    public static let droppedEvents = "appbase_metrics_dropped_events_total"
}
