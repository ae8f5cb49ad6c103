/// Per-key rate limiting by the generic cell-rate algorithm (GCRA): one `Int64` per key — the
/// "theoretical arrival time" (TAT) — gives a limit of `limit` events per window with bursts up to
/// `limit`, and an exact `Retry-After`.
///
/// Each event pushes the key's TAT forward by one emission interval (`window / limit`); an event is
/// refused while the TAT would end up more than one window ahead of now. A key whose TAT is in the
/// past is indistinguishable from a fresh one, so it is dropped when the table is pruned.
///
/// A plain value: `LoginThrottle` keeps its tables under one lock and uses the clock it is given.
struct RateLimiter: Sendable {
    let rule: RateLimit
    /// The most keys kept; past it, expired keys are pruned and then arbitrary ones evicted, so a
    /// flood of distinct keys costs bounded memory (an evicted key only gets a fresh budget).
    let capacity: Int
    private var arrivals: [String: Int64] = [:]

    init(_ rule: RateLimit, capacity: Int = 65_536) {
        self.rule = rule
        self.capacity = max(16, capacity)
    }

    private var intervalMillis: Int64 { max(1, Int64(rule.windowSeconds) * 1000 / Int64(max(1, rule.limit))) }
    private var windowMillis: Int64 { Int64(rule.windowSeconds) * 1000 }

    /// Milliseconds until `key` may have one more event, or nil when it may now. Changes nothing.
    func delay(for key: String, now: Int64) -> Int64? {
        let arrival = max(arrivals[key] ?? now, now) + intervalMillis
        let excess = arrival - now - windowMillis
        return excess > 0 ? excess : nil
    }

    /// Records one event for `key` (call after `delay` returned nil).
    mutating func record(_ key: String, now: Int64) {
        if arrivals.count >= capacity && arrivals[key] == nil { makeRoom(now: now) }
        arrivals[key] = max(arrivals[key] ?? now, now) + intervalMillis
    }

    /// Forgets `key` (a successful login clears its (IP, email) budget).
    mutating func reset(_ key: String) {
        arrivals.removeValue(forKey: key)
    }

    /// Drops keys whose TAT has passed.
    mutating func prune(now: Int64) {
        arrivals = arrivals.filter { $0.value > now }
    }

    /// Keys currently tracked (for tests).
    var count: Int { arrivals.count }

    private mutating func makeRoom(now: Int64) {
        prune(now: now)
        while arrivals.count >= capacity, let victim = arrivals.keys.first {
            arrivals.removeValue(forKey: victim)
        }
    }
}
