import AppBaseCore
import Synchronization

/// Runs one probe against a deadline.
///
/// A task group cannot do this: it waits for every child, and a probe stuck behind a hung
/// writer thread ignores cancellation. So the probe runs in its own task and whichever of
/// "probe finished" and "deadline passed" comes first resumes the caller; a hung probe is
/// left to finish (or fail) when its app is torn down.
enum ProbeDeadline {
    /// How one probe ended.
    enum Outcome: Sendable, Equatable {
        case passed(micros: Int64)
        case failed(String)
        case timedOut(millis: Int)

        var micros: Int64? {
            if case .passed(let micros) = self { return micros }
            return nil
        }
    }

    /// Resumes the caller once; later resumptions are ignored. Cancels the deadline's timer
    /// when the probe wins, so an idle app costs no sleeping task between rounds.
    private final class Once: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Outcome, Never>?
            var timer: Task<Void, Never>?
        }
        private let state: Mutex<State>
        init(_ continuation: CheckedContinuation<Outcome, Never>) { state = Mutex(State(continuation: continuation)) }

        func finish(_ outcome: Outcome) {
            let (pending, timer) = state.withLock { state in
                defer { state.continuation = nil; state.timer = nil }
                return (state.continuation, state.timer)
            }
            timer?.cancel()
            pending?.resume(returning: outcome)
        }

        /// Keeps the timer to cancel, or cancels it at once when the probe already finished.
        func setTimer(_ timer: Task<Void, Never>) {
            let finished = state.withLock { state -> Bool in
                guard state.continuation != nil else { return true }
                state.timer = timer
                return false
            }
            if finished { timer.cancel() }
        }
    }

    /// Runs `probe`; returns at the latest about `timeoutMillis` later. `settled` runs when the
    /// probe itself has ended (at once for a probe that answered; later for a hung one).
    static func run(timeoutMillis: Int, settled: @escaping @Sendable () -> Void = {},
                    _ probe: @escaping @Sendable () async throws -> Void) async -> Outcome {
        await withCheckedContinuation { continuation in
            let once = Once(continuation)
            let started = MonotonicTime.nanoseconds()
            let work = Task {
                defer { settled() }
                do {
                    try await probe()
                    once.finish(.passed(micros: Int64((MonotonicTime.nanoseconds() - started) / 1000)))
                } catch {
                    once.finish(.failed(String(describing: error)))
                }
            }
            once.setTimer(Task {
                do {
                    try await Task.sleep(for: .milliseconds(timeoutMillis))
                } catch {
                    return  // cancelled: the probe answered first
                }
                work.cancel()
                once.finish(.timedOut(millis: timeoutMillis))
            })
        }
    }
}
