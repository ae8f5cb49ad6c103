/// How a failed app is restarted: exponential backoff under an OTP-style intensity limit.
///
/// More than `maxRestarts` restarts within `windowMillis` means the fault is not transient:
/// the app stays `failed` until an operator starts it again, instead of flapping forever
/// (docs/adr/0018-restart-intensity.md).
public struct RestartPolicy: Sendable, Equatable {
    /// The first restart waits this long; each further one in the window waits twice as long.
    public var initialBackoffMillis: Int64
    /// The backoff never exceeds this.
    public var maxBackoffMillis: Int64
    /// Restarts allowed within `windowMillis`.
    public var maxRestarts: Int
    public var windowMillis: Int64

    public init(initialBackoffMillis: Int64 = 100, maxBackoffMillis: Int64 = 5000, maxRestarts: Int = 5,
                windowMillis: Int64 = 60_000) {
        self.initialBackoffMillis = initialBackoffMillis
        self.maxBackoffMillis = maxBackoffMillis
        self.maxRestarts = maxRestarts
        self.windowMillis = windowMillis
    }

    /// The backoff before the restart that follows `earlier` restarts in the window.
    func backoffMillis(afterRestarts earlier: Int) -> Int64 {
        // Capped before shifting so the shift can never overflow.
        let doublings = min(earlier, 32)
        return min(maxBackoffMillis, initialBackoffMillis << Int64(doublings))
    }
}

/// What to do about one more failure of an app.
public enum RestartDecision: Sendable, Equatable {
    /// Restart after `afterMillis`; this is restart number `attempt` in the window.
    case restart(afterMillis: Int64, attempt: Int)
    /// The intensity limit is reached: stay `failed`.
    case giveUp(restartsInWindow: Int)
}

/// The restarts of one app within the policy's window.
public struct RestartHistory: Sendable, Equatable {
    /// When each restart in the window was decided, oldest first (wall-clock milliseconds).
    public private(set) var restartTimes: [Int64] = []

    public init() {}

    /// Decides about a failure at `now` and records the restart it allows.
    public mutating func decide(at now: Int64, policy: RestartPolicy) -> RestartDecision {
        restartTimes.removeAll { now - $0 >= policy.windowMillis }
        guard restartTimes.count < policy.maxRestarts else { return .giveUp(restartsInWindow: restartTimes.count) }
        let backoff = policy.backoffMillis(afterRestarts: restartTimes.count)
        restartTimes.append(now)
        return .restart(afterMillis: backoff, attempt: restartTimes.count)
    }
}
