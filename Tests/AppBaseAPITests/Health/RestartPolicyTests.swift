@testable import AppBasePlatform
import Testing

/// Backoff doubling from 100 ms to a 5 s cap, and the OTP-style intensity limit.
@Suite struct RestartPolicyTests {
    @Test func backoffDoublesFromTheInitialDelayUpToTheCap() {
        let policy = RestartPolicy(maxRestarts: 100, windowMillis: 60_000)
        var history = RestartHistory()
        var delays: [Int64] = []
        for second in 0..<8 {
            if case .restart(let delay, _) = history.decide(at: Int64(second) * 1000, policy: policy) { delays.append(delay) }
        }
        #expect(delays == [100, 200, 400, 800, 1600, 3200, 5000, 5000])
    }

    @Test func moreThanMaxRestartsInTheWindowGivesUp() {
        let policy = RestartPolicy(maxRestarts: 5, windowMillis: 60_000)
        var history = RestartHistory()
        var decisions: [RestartDecision] = []
        for second in 0..<6 { decisions.append(history.decide(at: Int64(second) * 1000, policy: policy)) }
        #expect(decisions.prefix(5).allSatisfy { if case .restart = $0 { true } else { false } })
        #expect(decisions.last == .giveUp(restartsInWindow: 5))
        // Still inside the window: still given up.
        #expect(history.decide(at: 59_000, policy: policy) == .giveUp(restartsInWindow: 5))
    }

    @Test func restartsOlderThanTheWindowNoLongerCount() {
        let policy = RestartPolicy(maxRestarts: 2, windowMillis: 10_000)
        var history = RestartHistory()
        _ = history.decide(at: 0, policy: policy)
        _ = history.decide(at: 1000, policy: policy)
        #expect(history.decide(at: 2000, policy: policy) == .giveUp(restartsInWindow: 2))
        // At 10.5 s the first restart has left the window, the second has not.
        #expect(history.decide(at: 10_500, policy: policy) == .restart(afterMillis: 200, attempt: 2))
    }

    @Test func settingsDescribeTheDefaultPolicy() {
        let policy = HealthSettings().restartPolicy
        #expect(policy == RestartPolicy(initialBackoffMillis: 100, maxBackoffMillis: 5000, maxRestarts: 5, windowMillis: 60_000))
    }
}
