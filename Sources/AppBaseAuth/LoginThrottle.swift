import AppBaseCore
import Synchronization

/// Brute-force protection for one app, in memory, on the injected clock: login attempts per
/// (client IP, email) and per client IP, registrations per client IP.
///
/// Every attempt counts, before any password is hashed, so a throttled client costs no Argon2 run.
/// A login is admitted only when both of its budgets have room, and then both are charged (checked
/// and charged under one lock, so a refused attempt never spends a budget).
final class LoginThrottle: Sendable {
    private struct Tables {
        var loginPair: RateLimiter
        var loginIP: RateLimiter
        var registerIP: RateLimiter
    }

    private let tables: Mutex<Tables>
    private let clock: any WallClock

    init(settings: AuthSettings, clock: any WallClock) {
        tables = Mutex(Tables(loginPair: RateLimiter(settings.loginPerIPAndEmail),
                              loginIP: RateLimiter(settings.loginPerIP),
                              registerIP: RateLimiter(settings.registerPerIP)))
        self.clock = clock
    }

    /// Admits one login attempt for `email` from `ip`.
    /// - Throws: 429 `rate_limited` with `Retry-After` when either budget is spent.
    func admitLogin(ip: String, email: String) throws(AppBaseError) {
        let now = clock.nowMilliseconds()
        let pair = Self.pairKey(ip: ip, email: email)
        let delay = tables.withLock { tables -> Int64? in
            let waits = [tables.loginPair.delay(for: pair, now: now), tables.loginIP.delay(for: ip, now: now)]
            if let longest = waits.compactMap({ $0 }).max() { return longest }
            tables.loginPair.record(pair, now: now)
            tables.loginIP.record(ip, now: now)
            return nil
        }
        if let delay { throw Self.limited(delay, "Too many login attempts; retry later.") }
    }

    /// Clears the (IP, email) budget after a successful login; the per-IP budget stays charged.
    func loginSucceeded(ip: String, email: String) {
        let pair = Self.pairKey(ip: ip, email: email)
        tables.withLock { $0.loginPair.reset(pair) }
    }

    /// Admits one registration from `ip`.
    /// - Throws: 429 `rate_limited` with `Retry-After` when the budget is spent.
    func admitRegistration(ip: String) throws(AppBaseError) {
        let now = clock.nowMilliseconds()
        let delay = tables.withLock { tables -> Int64? in
            if let wait = tables.registerIP.delay(for: ip, now: now) { return wait }
            tables.registerIP.record(ip, now: now)
            return nil
        }
        if let delay { throw Self.limited(delay, "Too many registrations from this address; retry later.") }
    }

    /// Forgets budgets that have fully recovered (periodic upkeep; keeps memory bounded by activity).
    func prune() {
        let now = clock.nowMilliseconds()
        tables.withLock { tables in
            tables.loginPair.prune(now: now)
            tables.loginIP.prune(now: now)
            tables.registerIP.prune(now: now)
        }
    }

    /// The number of tracked keys in all tables (the upkeep probe: none means nothing to forget).
    var trackedKeys: Int { tables.withLock { $0.loginPair.count + $0.loginIP.count + $0.registerIP.count } }

    private static func pairKey(ip: String, email: String) -> String { ip + "\u{0}" + email }

    /// `Retry-After` is whole seconds, rounded up, at least 1.
    private static func limited(_ delayMillis: Int64, _ message: String) -> AppBaseError {
        .rateLimited(retryAfterSeconds: Int(max(1, (delayMillis + 999) / 1000)), message)
    }
}
