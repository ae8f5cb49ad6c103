import Dispatch
import DequeModule
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One serial queue of work run on an OS thread of its own, outside Swift's cooperative pool.
///
/// Blocking work (SQLite writes and their fsync, file I/O, password hashing) runs here so it
/// never occupies one of the cooperative pool's threads (two on this machine).
/// It is also a `SerialExecutor`, so an actor can make it its executor and run its methods on it.
///
/// The OS thread starts with the first work, not at `init`. With an `idleTimeout` it also ends
/// once nothing has been queued for that long, and the next work starts a new one: an app that
/// serves nothing then holds no thread (docs/adr/0024-idle-apps.md). Work still runs one item at
/// a time, in order, and at most one OS thread exists per instance at any moment, so whatever
/// the work touches (a SQLite connection) is never used by two threads at once.
public final class DedicatedThread: SerialExecutor, TaskExecutor, Sendable {
    private enum Work: Sendable {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private struct State: Sendable {
        var queue = Deque<Work>()
        var sleeping = false
        var stopping = false
        /// An OS thread exists (started and not yet past its exit decision).
        var running = false
        /// The running thread (nil while none runs).
        var threadID: pthread_t? = nil
        /// The last thread, still to be joined: by its successor as it starts, or by `shutdown`.
        var unjoined: pthread_t? = nil
        var starts = 0
    }

    /// Name shown in logs and thread lists (`/proc/PID/task/*/comm`, first 15 bytes).
    public let name: String
    /// How long the thread waits for work before it ends (nil: it runs until `shutdown`).
    public let idleTimeout: Duration?
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    private let drainedHook: Mutex<(@Sendable () -> Void)?> = Mutex(nil)
    private let idleHook: Mutex<(@Sendable () -> Void)?> = Mutex(nil)
    /// When the work item running now started (`DispatchTime` uptime nanoseconds), 0 between items.
    /// Written only by the thread; read by anyone asking whether the thread is stuck.
    private let workStartedAt = Atomic<UInt64>(0)

    /// Creates the queue; its thread starts with the first work.
    /// - Parameter idleTimeout: end the thread after this long without work (nil: never).
    public init(name: String, idleTimeout: Duration? = nil) {
        self.name = name
        self.idleTimeout = idleTimeout
    }

    /// Sets a hook run on this thread each time the queue has been drained
    /// (before the thread sleeps). The SQLite writer commits its group transaction here.
    public func setDrainedHook(_ hook: @escaping @Sendable () -> Void) {
        drainedHook.withLock { $0 = hook }
    }

    /// Sets a hook run on this thread when it has waited `idleTimeout` for work, before it ends
    /// (SQLite connections give back their page cache here). Work queued meanwhile keeps it alive.
    public func setIdleHook(_ hook: @escaping @Sendable () -> Void) {
        idleHook.withLock { $0 = hook }
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

    /// True while an OS thread exists for this queue.
    public var hasThread: Bool { state.withLock { $0.running } }

    /// How long the work item running now has run, or nil when none runs. A health probe reads
    /// this instead of queueing work of its own: queued work would keep an idle thread alive, and
    /// would time out behind a long backlog of short items that is not a hang.
    public var currentWorkDuration: Duration? {
        let started = workStartedAt.load(ordering: .relaxed)
        guard started != 0 else { return nil }
        let now = DispatchTime.now().uptimeNanoseconds
        return .nanoseconds(Int64(clamping: now >= started ? now - started : 0))
    }

    /// OS threads started so far (one per busy period when `idleTimeout` is set).
    public var threadStarts: Int { state.withLock { $0.starts } }

    /// Stops the thread once the work queued so far has run, and waits for it (and any thread
    /// it replaced) to exit. Work offered later is refused (`run`) or dropped (`execute`).
    public func shutdown() {
        let toJoin = state.withLock { state -> pthread_t? in
            guard !state.stopping else { return nil }
            state.stopping = true
            // The running thread joins the one before it as it starts; with none running, the
            // last one is joined here.
            if state.running { return state.threadID }
            defer { state.unjoined = nil }
            return state.unjoined
        }
        guard let toJoin else { return }
        wakeup.signal()
        pthread_join(toJoin, nil)
    }

    @discardableResult
    private func push(_ work: Work, rejectWhenStopping: Bool = false) -> Bool {
        let (accepted, wake) = state.withLock { state -> (Bool, Bool) in
            if rejectWhenStopping && state.stopping { return (false, false) }
            state.queue.append(work)
            if !state.running {
                // No thread after `shutdown`: the work is dropped, as it always was.
                if !state.stopping { startThread(&state) }
                return (true, false)
            }
            if state.sleeping {
                state.sleeping = false
                return (true, true)
            }
            return (true, false)
        }
        if wake { wakeup.signal() }
        return accepted
    }

    /// Under the lock: starts the OS thread. It takes the lock itself before any work, so it
    /// always finds `threadID` set.
    private func startThread(_ state: inout State) {
        let predecessor = state.unjoined
        state.unjoined = nil
        let box = Unmanaged.passRetained(ThreadStart(body: { [self] in self.run(joining: predecessor) }))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let start = Unmanaged<ThreadStart>.fromOpaque(raw).takeRetainedValue()
            start.body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "pthread_create failed: \(result)")
        state.running = true
        state.sleeping = false
        state.threadID = thread
        state.starts += 1
    }

    private enum Step {
        case work(Deque<Work>)
        case sleep
        case idle
        case exit
    }

    private func run(joining predecessor: pthread_t?) {
        if let predecessor { pthread_join(predecessor, nil) }
        Self.nameCurrentThread(name)
        let executor = asUnownedSerialExecutor()
        let taskExecutor = asUnownedTaskExecutor()
        var timedOut = false
        while true {
            let step = state.withLock { state -> Step in
                guard state.queue.isEmpty else {
                    defer { state.queue.removeAll(keepingCapacity: true) }
                    return .work(state.queue)
                }
                if state.stopping || (timedOut && idleHook.withLock({ $0 }) == nil) {
                    retire(&state)
                    return .exit
                }
                if timedOut { return .idle }
                state.sleeping = true
                return .sleep
            }
            switch step {
            case .exit:
                return
            case .sleep:
                if let idleTimeout {
                    timedOut = wakeup.wait(timeout: .now() + .nanoseconds(Self.nanoseconds(idleTimeout))) == .timedOut
                } else {
                    wakeup.wait()
                }
            case .idle:
                // Between the hook and the exit, new work keeps the thread (checked under the lock).
                if let hook = idleHook.withLock({ $0 }) { hook() }
                let exit = state.withLock { state -> Bool in
                    guard state.queue.isEmpty else { return false }
                    retire(&state)
                    return true
                }
                if exit { return }
                timedOut = false
            case .work(let batch):
                timedOut = false
                for work in batch {
                    workStartedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
                    switch work {
                    case .job(let job): job.runSynchronously(isolatedTo: executor, taskExecutor: taskExecutor)
                    case .closure(let body): body()
                    }
                }
                if let hook = drainedHook.withLock({ $0 }) {
                    workStartedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
                    hook()
                }
                workStartedAt.store(0, ordering: .relaxed)
            }
        }
    }

    /// Under the lock, on the thread: the thread ends. It stays to be joined by the next thread
    /// or by `shutdown` (which, when stopping, already holds its id).
    private func retire(_ state: inout State) {
        state.running = false
        state.sleeping = false
        if !state.stopping { state.unjoined = state.threadID }
        state.threadID = nil
    }

    /// Names the calling thread in /proc (`comm`, 15 bytes) so thread lists and the apps
    /// benchmark show what each thread is. Glibc's `pthread_setname_np` is not visible to Swift;
    /// writing /proc/thread-self/comm is what it does. Best effort: a failure changes nothing.
    private static func nameCurrentThread(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    private static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
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
