import Synchronization

/// Which of one app's probes outlived their deadline and have not ended since: while one is
/// out (a writer thread still stuck), the HealthMonitor fails the app at once instead of
/// sending another probe after it.
final class LateProbes: Sendable {
    private struct State {
        var late: Set<Int> = []
        var settled: Set<Int> = []
    }

    private let state = Mutex(State())

    init() {}

    /// Probe `index` timed out (it may have ended meanwhile; then it is not stuck).
    func markLate(_ index: Int) { _ = state.withLock { $0.late.insert(index) } }

    /// Probe `index` ended.
    func settled(_ index: Int) { _ = state.withLock { $0.settled.insert(index) } }

    /// Whether a probe that timed out is still running.
    var isStuck: Bool { state.withLock { !$0.late.subtracting($0.settled).isEmpty } }
}
