import Dispatch
import DequeModule
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One OS thread that runs queued work in order, outside Swift's cooperative pool.
///
/// Blocking work (SQLite writes and their fsync, file I/O, password hashing) runs here so it
/// never occupies one of the cooperative pool's threads (two on this machine).
/// It is also a `SerialExecutor`, so an actor can make it its executor and run its methods on it.
public final class DedicatedThread: SerialExecutor, TaskExecutor, Sendable {
    private enum Work: Sendable {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private struct State: Sendable {
        var queue = Deque<Work>()
        var sleeping = false
        var stopping = false
        var threadID: pthread_t? = nil
    }

    /// Name shown in logs and thread lists.
    public let name: String
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let drainedHook: Mutex<(@Sendable () -> Void)?> = Mutex(nil)

    /// Starts the thread.
    public init(name: String) {
        self.name = name
        let box = Unmanaged.passRetained(ThreadStart(body: { [self] in self.run() }))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let start = Unmanaged<ThreadStart>.fromOpaque(raw).takeRetainedValue()
            start.body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
        state.withLock { $0.threadID = thread }
    }

    /// Sets a hook run on this thread each time the queue has been drained
    /// (before the thread sleeps). The SQLite writer commits its group transaction here.
    public func setDrainedHook(_ hook: @escaping @Sendable () -> Void) {
        drainedHook.withLock { $0 = hook }
    }

    /// Runs `work` on this thread.
    public func execute(_ work: @escaping @Sendable () -> Void) { push(.closure(work)) }

    /// Runs `work` on this thread unless `shutdown()` has begun.
    /// - Returns: false, and `work` never runs, when the thread is stopping or stopped.
    public func executeUnlessStopping(_ work: @escaping @Sendable () -> Void) -> Bool {
        push(.closure(work), rejectWhenStopping: true)
    }

    /// Runs `body` on this thread and returns its result to the caller.
    /// - Throws: `ThreadStoppedError` when the thread has been shut down; what `body` throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = push(.closure { continuation.resume(with: Result { try body() }) }, rejectWhenStopping: true)
            if !accepted { continuation.resume(throwing: ThreadStoppedError(name: name)) }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        push(.job(UnownedJob(job)))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        precondition(isCurrent, "not on dedicated thread \(name)")
    }

    /// True when called on this thread.
    public var isCurrent: Bool {
        guard let thread = state.withLock({ $0.threadID }) else { return false }
        return pthread_equal(pthread_self(), thread) != 0
    }

    /// Stops the thread once the work queued so far has run, and waits for it to exit.
    public func shutdown() {
        let alreadyStopping = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return state.stopping
        }
        guard !alreadyStopping else { return }
        wakeup.signal()
        exited.wait()
    }

    @discardableResult
    private func push(_ work: Work, rejectWhenStopping: Bool = false) -> Bool {
        let (accepted, wake) = state.withLock { state -> (Bool, Bool) in
            if rejectWhenStopping && state.stopping { return (false, false) }
            state.queue.append(work)
            if state.sleeping {
                state.sleeping = false
                return (true, true)
            }
            return (true, false)
        }
        if wake { wakeup.signal() }
        return accepted
    }

    private func run() {
        let executor = asUnownedSerialExecutor()
        let taskExecutor = asUnownedTaskExecutor()
        while true {
            let batch = state.withLock { state -> Deque<Work>? in
                if state.queue.isEmpty {
                    if state.stopping { return nil }
                    state.sleeping = true
                    return []
                }
                defer { state.queue.removeAll(keepingCapacity: true) }
                return state.queue
            }
            guard let batch else { break }
            if batch.isEmpty {
                wakeup.wait()
                continue
            }
            for work in batch {
                switch work {
                case .job(let job): job.runSynchronously(isolatedTo: executor, taskExecutor: taskExecutor)
                case .closure(let body): body()
                }
            }
            if let hook = drainedHook.withLock({ $0 }) { hook() }
        }
        exited.signal()
    }
}

/// Work offered to a `DedicatedThread` after `shutdown()`.
public struct ThreadStoppedError: Error, Sendable, CustomStringConvertible {
    public let name: String
    public init(name: String) { self.name = name }
    public var description: String { "thread \(name) has stopped" }
}

/// Carries the thread's body through `pthread_create`'s `void *` argument.
private final class ThreadStart: Sendable {
    let body: @Sendable () -> Void
    init(body: @escaping @Sendable () -> Void) { self.body = body }
}
