/// A kind of job: its name (stored with every job of the kind), how often it may be tried, and
/// how long to wait between tries.
///
/// Handlers must be idempotent: delivery is at least once (a job that was running when the
/// process died runs again after the restart, ADR 0036).
public struct JobKind: Sendable, Hashable {
    /// Stored in `jobs.kind`; dotted by owner, e.g. `changefeed.prune`, `auth.prune_sessions`.
    public let name: String
    /// Tries before a job is `failed` (at least 1).
    public var maxAttempts: Int
    /// The wait before each retry.
    public var backoff: JobBackoff
    /// The longest one try may run: past it the handler is cancelled and the try fails with
    /// "timed out" (then retried like any failure), and its slot is free again even if the
    /// handler ignores the cancellation. Nil: no limit.
    public var timeout: Duration?

    /// The default `timeout`: an hour, far beyond any maintenance job's normal run.
    public static let defaultTimeout = Duration.seconds(3_600)

    public init(_ name: String, maxAttempts: Int = 5, backoff: JobBackoff = JobBackoff(), timeout: Duration? = defaultTimeout) {
        self.name = name
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.timeout = timeout.map { max($0, .milliseconds(1)) }
    }
}

/// Exponential backoff: the first retry waits `initialMilliseconds`, each further one twice the
/// one before, never more than `maximumMilliseconds`. No jitter: one app's retries never
/// stampede (a queue runs at most `JobSettings.concurrency` jobs), and tests can name the times.
public struct JobBackoff: Sendable, Hashable {
    public var initialMilliseconds: Int64
    public var maximumMilliseconds: Int64

    public init(initialMilliseconds: Int64 = 1_000, maximumMilliseconds: Int64 = 3_600_000) {
        self.initialMilliseconds = max(1, initialMilliseconds)
        self.maximumMilliseconds = max(self.initialMilliseconds, maximumMilliseconds)
    }

    /// The wait after the `attempt`-th try failed (attempt 1 → `initialMilliseconds`).
    public func delay(afterAttempt attempt: Int) -> Int64 {
        let doublings = max(0, attempt - 1)
        // Past 62 doublings the shift overflows; the cap was reached long before.
        guard doublings < 62 else { return maximumMilliseconds }
        let (value, overflow) = initialMilliseconds.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        return overflow ? maximumMilliseconds : min(value, maximumMilliseconds)
    }
}
