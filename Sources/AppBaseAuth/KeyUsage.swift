import Synchronization

/// When one API key was last used, kept in memory and written to the database periodically by
/// `AuthService` (never a write per request).
///
/// Written on the loop thread for every request with the key (a relaxed atomic store, at most once
/// per second of clock time); read by the periodic flush.
final class KeyUsage: Sendable {
    private let lastUsed: Atomic<Int64>
    private let flushed: Atomic<Int64>

    /// Starts from the database's value, which counts as flushed.
    init(lastUsedMillis: Int64) {
        lastUsed = Atomic(lastUsedMillis)
        flushed = Atomic(lastUsedMillis)
    }

    /// Records a use at `now` (ms). Skips the store when the last one is less than a second old, so a
    /// busy key does not bounce a cache line between cores on every request.
    @inline(__always)
    func touch(now: Int64) {
        if now - lastUsed.load(ordering: .relaxed) >= 1000 { lastUsed.store(now, ordering: .relaxed) }
    }

    /// The last recorded use (ms; the database's value until the key is used), for listings.
    var lastUsedMillis: Int64 { lastUsed.load(ordering: .relaxed) }

    /// The last use not yet written to the database, or nil.
    var unflushed: Int64? {
        let last = lastUsed.load(ordering: .relaxed)
        return last > flushed.load(ordering: .relaxed) ? last : nil
    }

    /// Records that `millis` has been written.
    func markFlushed(_ millis: Int64) {
        if millis > flushed.load(ordering: .relaxed) { flushed.store(millis, ordering: .relaxed) }
    }
}
