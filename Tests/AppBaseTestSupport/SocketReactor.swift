import AppBaseCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Waits for socket readiness on one dedicated thread, so test code never blocks a thread of
/// Swift's cooperative pool.
///
/// A task registers a descriptor, the events it needs and a deadline, then suspends; the
/// reactor thread `poll`s every registered descriptor (plus a pipe that wakes it when the
/// set changes) and resumes each waiter once its descriptor is ready or its deadline passed.
final class SocketReactor: Sendable {
    /// The process-wide reactor, started on first use and never stopped.
    static let shared = SocketReactor()

    /// How a wait ended.
    enum Outcome: Sendable, Equatable {
        case ready
        case timedOut
    }

    private struct Waiter {
        let descriptor: Int32
        let events: Int16
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())
    /// The wake-up pipe: the reactor polls `wakeDescriptor`, registrations write to `wakeWriter`.
    private let wakeDescriptor: Int32
    private let wakeWriter: Int32
    private let thread: DedicatedThread

    private init() {
        var ends: [Int32] = [-1, -1]
        let result = pipe(&ends)
        precondition(result == 0, "pipe failed: \(errno)")
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeDescriptor = ends[0]
        wakeWriter = ends[1]
        thread = DedicatedThread(name: "test-socket-reactor")
        thread.execute { [self] in self.run() }
    }

    /// Suspends until `descriptor` reports one of `events` (or an error/hang-up), or `deadline`.
    func wait(for descriptor: Int32, events: Int16, until deadline: ContinuousClock.Instant) async -> Outcome {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                state.nextID += 1
                state.waiters[state.nextID] = Waiter(descriptor: descriptor, events: events, deadline: deadline,
                                                     continuation: continuation)
            }
            var byte: UInt8 = 1
            _ = write(wakeWriter, &byte, 1)
        }
    }

    /// The reactor thread's loop; never returns.
    private func run() {
        var descriptors: [pollfd] = []
        var ids: [UInt64] = []
        while true {
            let nextDeadline = state.withLock { state -> ContinuousClock.Instant? in
                descriptors = [pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
                ids = []
                var earliest: ContinuousClock.Instant?
                for (id, waiter) in state.waiters {
                    descriptors.append(pollfd(fd: waiter.descriptor, events: waiter.events, revents: 0))
                    ids.append(id)
                    if earliest.map({ waiter.deadline < $0 }) ?? true { earliest = waiter.deadline }
                }
                return earliest
            }
            var timeout: Int32 = 1000
            if let nextDeadline {
                let remaining = nextDeadline - ContinuousClock.now
                let millis = (remaining / .milliseconds(1)).rounded(.up)
                timeout = Int32(max(0, min(1000, millis)))
            }
            let count = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if count < 0 && errno != EINTR { continue }
            if descriptors[0].revents != 0 {
                var drained = [UInt8](repeating: 0, count: 256)
                while read(wakeDescriptor, &drained, drained.count) > 0 {}
            }
            let now = ContinuousClock.now
            let finished = state.withLock { state -> [(CheckedContinuation<Outcome, Never>, Outcome)] in
                var finished: [(CheckedContinuation<Outcome, Never>, Outcome)] = []
                for (index, id) in ids.enumerated() {
                    guard let waiter = state.waiters[id] else { continue }
                    if descriptors[index + 1].revents != 0 {
                        finished.append((waiter.continuation, .ready))
                    } else if waiter.deadline <= now {
                        finished.append((waiter.continuation, .timedOut))
                    } else {
                        continue
                    }
                    state.waiters[id] = nil
                }
                return finished
            }
            for (continuation, outcome) in finished { continuation.resume(returning: outcome) }
        }
    }
}
