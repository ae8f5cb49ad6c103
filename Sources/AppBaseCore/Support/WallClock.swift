import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A source of wall-clock time in milliseconds since the Unix epoch.
///
/// Services take one by injection so tests can move time without waiting for it.
public protocol WallClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func nowMilliseconds() -> Int64
}

extension WallClock {
    /// Whole seconds since the epoch (JWT `iat`/`exp`).
    public func nowSeconds() -> Int64 { nowMilliseconds() / 1000 }
}

/// The real clock (`clock_gettime(CLOCK_REALTIME)`).
public struct SystemWallClock: WallClock {
    public init() {}
    public func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// A clock that only moves when told to; for tests.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Int64>

    public init(milliseconds: Int64 = 1_780_000_000_000) { current = Mutex(milliseconds) }

    public func nowMilliseconds() -> Int64 { current.withLock { $0 } }

    /// Moves time forward by `milliseconds`.
    public func advance(milliseconds: Int64) { current.withLock { $0 += milliseconds } }

    /// Moves time forward by `seconds`.
    public func advance(seconds: Int64) { advance(milliseconds: seconds * 1000) }
}

/// Monotonic time in nanoseconds, for durations and deadlines (never for timestamps).
public enum MonotonicTime {
    public static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Monotonic milliseconds (any thread; the loop has its own cached loop time).
    public static func milliseconds() -> Int64 {
        Int64(nanoseconds() / 1_000_000)
    }
}
