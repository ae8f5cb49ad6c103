import AppBaseCore
import Synchronization

/// Requests per app and minute over the last hour, for `GET /admin/stats`.
///
/// Fed by `RequestCounters` from the `.requestsCompleted` summaries it already drains from the bus
/// every 100 ms (no second subscriber, nothing added to the request path). A summary is counted in
/// the minute it was drained in, at most one drain interval after the response. Per app, a ring of
/// `minutes` buckets indexed by minute number: a bucket whose minute is not the one asked for holds
/// an older hour's counts and reads as zero.
final class RequestRateHistory: Sendable {
    /// One minute's counts.
    struct Minute: Sendable, Hashable {
        /// Minutes since the epoch.
        var minute: Int64
        var requests: Int64 = 0
        /// Answers with status 400…499.
        var clientErrors: Int64 = 0
        /// Answers with status ≥ 500.
        var errors: Int64 = 0
    }

    /// How many minutes are kept (and reported).
    let minutes: Int
    private let clock: any WallClock
    private let rings = Mutex<[String: [Minute]]>([:])

    init(clock: any WallClock, minutes: Int = 60) {
        self.clock = clock
        self.minutes = max(1, minutes)
    }

    /// Counts `summaries` in the current minute.
    func record(_ summaries: some Sequence<RequestSummary>) {
        let now = clock.nowMilliseconds() / 60_000
        let slot = Int(now % Int64(minutes))
        let empty = Array(repeating: Minute(minute: -1), count: minutes)
        rings.withLock { rings in
            // `default:` mutates the stored ring in place: no copy per summary.
            for summary in summaries { Self.count(summary.status, now: now, in: &rings[summary.app, default: empty][slot]) }
        }
    }

    private static func count(_ status: Int, now: Int64, in bucket: inout Minute) {
        if bucket.minute != now { bucket = Minute(minute: now) }
        bucket.requests += 1
        if status >= 500 {
            bucket.errors += 1
        } else if status >= 400 {
            bucket.clientErrors += 1
        }
    }

    /// The last `minutes` minutes of `app`, oldest first, the current minute last (zeros included).
    func window(app: String) -> [Minute] {
        let now = clock.nowMilliseconds() / 60_000
        let size = minutes
        let ring = rings.withLock { $0[app] }
        return (0..<size).map { offset in
            let minute = now - Int64(size - 1 - offset)
            guard minute >= 0, let ring, case let stored = ring[Int(minute % Int64(size))], stored.minute == minute else {
                return Minute(minute: minute)
            }
            return stored
        }
    }

    /// Forgets a deleted app (a new app of the same name starts from zero).
    func reset(_ app: String) { _ = rings.withLock { $0.removeValue(forKey: app) } }
}
