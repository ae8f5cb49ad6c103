import AppBaseCore
import CLibUV
import DequeModule
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The libuv event loop, running on its own thread, and the executor that lets Swift
/// code run on it.
///
/// Bridge design (see docs/adr/0002-libuv-bridge.md): libuv handles are touched only on the
/// loop thread. Other threads hand work to the loop through `execute(_:)` or by enqueueing
/// jobs (the loop is a `TaskExecutor`), which wakes it with one `uv_async_send`; the async
/// callback drains the whole queue per loop turn, so many wake-ups cost one. Request handlers
/// run as tasks whose executor preference is this loop, so a handler that needs no other actor
/// never leaves the loop thread.
///
/// The loop is deliberately not a `SerialExecutor`: its jobs run with no actor isolation, on
/// the loop as their task executor, so a handler's calls into nonisolated async functions stay
/// where they are. Run isolated to the loop instead, every such call left that isolation for
/// the generic executor, which the task's preference sent back through this queue: ~25 trips
/// around the loop per record create (ADR 0050).
public final class EventLoop: TaskExecutor, Sendable {
    private enum Work: Sendable {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private struct Queue: Sendable {
        var work = Deque<Work>()
        var stopped = false
    }

    /// The libuv loop and async handle. Only dereferenced on the loop thread, after `init`
    /// has finished initialising them; freed after the thread exits.
    let raw: LoopHandles
    /// Loop-thread-only state (read buffer, deferred callbacks).
    let local = LoopLocalState()
    private let queue = Mutex(Queue())
    /// The loop thread's id; 0 until it runs. Written once before `init` returns.
    private let threadID = Atomic<UInt>(0)
    private let started = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let turnHooks = Mutex<[@Sendable () -> Void]>([])

    /// Creates the loop and starts its thread.
    public init(name: String = "appbase-loop") {
        raw = LoopHandles()
        let box = Unmanaged.passRetained(LoopThreadStart(body: { [self] in self.threadMain() }))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<LoopThreadStart>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "pthread_create failed for the event loop: \(result)")
        pthread_detach(thread)
        started.wait()
    }

    /// True on the loop thread.
    public var isCurrent: Bool {
        let thread = threadID.load(ordering: .acquiring)
        return thread != 0 && thread == Self.currentThreadToken()
    }

    /// Calls `target.runDeferred(succeeded:bytes:)` later in the current loop turn, after the
    /// callback that is running now has returned (loop thread only), in the order deferred. For
    /// completions that must not re-enter their caller — a write that finished at once must not
    /// report it inside the parser callback that wrote. Costs no system call and no allocation:
    /// the queue drains in the idle or check phase.
    func deferInTurn(_ target: any LoopDeferredTarget, succeeded: Bool, bytes: Int = 0) {
        assert(isCurrent, "deferInTurn called off the loop thread")
        // The loop is closing every handle (the idle one too) and no later phase will come:
        // reports now (cancelled writes) are dropped — acting on them would close handles twice.
        guard !local.closingHandles else { return }
        local.deferred.append((target, succeeded, bytes))
        keepTurnOpen()
    }

    /// Has `transport.flushGathered()` called at the end of this loop turn (loop thread only),
    /// or now when `maxGatheredTransports` wait already, which bounds how long a response waits
    /// for the turn's other work.
    func scheduleFlush(_ transport: TCPTransport) {
        if local.flushPending.count >= Self.maxGatheredTransports { flushGatheredWrites() }
        local.flushPending.append(transport)
        keepTurnOpen()
    }

    /// Transports whose gathered writes may wait together for the end of a turn.
    static let maxGatheredTransports = 32

    /// An active idle handle makes `uv_run` poll without blocking, so what was deferred outside
    /// the poll phase still runs this turn (in the idle or check phase).
    private func keepTurnOpen() {
        guard !local.idleActive else { return }
        local.idleActive = true
        uv_idle_start(local.idle) { handle in
            guard let handle, let loop = EventLoop.from(handle.pointee.loop) else { return }
            loop.runDeferred()
        }
    }

    private func flushGatheredWrites() {
        guard !local.flushPending.isEmpty else { return }
        let pending = local.flushPending
        local.flushPending.removeAll(keepingCapacity: true)
        for transport in pending { transport.flushGathered() }
    }

    /// Runs every deferred callback, including ones they defer in turn, and writes what the
    /// turn gathered (whose reports are deferred callbacks too).
    private func runDeferred() {
        repeat {
            while let (target, succeeded, bytes) = local.deferred.popFirst() {
                target.runDeferred(succeeded: succeeded, bytes: bytes)
            }
            flushGatheredWrites()
        } while !local.deferred.isEmpty
        if local.idleActive {
            local.idleActive = false
            uv_idle_stop(local.idle)
        }
    }

    /// Runs `work` on the loop thread during its next turn. Returns false once the loop has
    /// stopped: then `work` never runs, and a caller waiting for it must give up.
    @discardableResult
    public func execute(_ work: @escaping @Sendable () -> Void) -> Bool {
        push(.closure(work))
    }

    /// Runs `body` on the loop and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        if isCurrent { return try body() }
        return try await withCheckedThrowingContinuation { continuation in
            if !push(.closure { continuation.resume(with: Result { try body() }) }) {
                continuation.resume(throwing: ThreadStoppedError(name: "event loop"))
            }
        }
    }

    /// The libuv handles open on this loop, not counting ones already closing: sockets,
    /// timers and the loop's own async/check/idle handles. For leak tests and metrics.
    public func openHandleCount() async throws -> Int {
        let raw = self.raw
        return try await run {
            var count = 0
            withUnsafeMutablePointer(to: &count) { counter in
                uv_walk(raw.loop, { handle, argument in
                    guard let handle, let argument, uv_is_closing(handle) == 0 else { return }
                    argument.assumingMemoryBound(to: Int.self).pointee += 1
                }, counter)
            }
            return count
        }
    }

    /// libuv requests in flight on this loop (writes, shutdowns, thread-pool work such as a
    /// sendfile job). For leak tests and metrics.
    public func activeRequestCount() async throws -> Int {
        let raw = self.raw
        return try await run { Int(raw.loop.pointee.active_reqs.count) }
    }

    /// Runs `body` once, on the loop thread, at the end of the current turn — after the I/O
    /// callbacks and the callbacks they deferred (loop thread only). For state that may live for
    /// one turn and no longer, such as a read snapshot shared by the turn's point reads.
    public func atEndOfTurn(_ body: @escaping @Sendable () -> Void) {
        assert(isCurrent, "atEndOfTurn called off the loop thread")
        local.endOfTurn.append(body)
    }

    /// The one-shot work of this turn, including what it schedules in turn.
    private func runEndOfTurn() {
        while !local.endOfTurn.isEmpty {
            let work = local.endOfTurn
            local.endOfTurn.removeAll(keepingCapacity: true)
            for body in work { body() }
        }
    }

    /// Registers a hook run once per loop turn, after I/O callbacks (batched log flushing).
    public func addTurnHook(_ hook: @escaping @Sendable () -> Void) {
        turnHooks.withLock { $0.append(hook) }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        push(.job(UnownedJob(job)))
    }

    /// Stops the loop after closing every handle still open, and waits for its thread to exit.
    /// Shut down the servers on this loop first (`HTTPServer.shutdown()`): handles still open
    /// here are closed without their owners' close callbacks, so what they own is not released.
    public func stop() {
        guard !isCurrent else { preconditionFailure("EventLoop.stop() called on the loop thread") }
        let first = queue.withLock { queue -> Bool in
            guard !queue.stopped else { return false }
            queue.stopped = true
            uv_async_send(raw.async)
            return true
        }
        guard first else { return }
        exited.wait()
    }

    /// Queues work and wakes the loop. The send happens under the queue lock so it can never
    /// race with the loop closing its async handle after it has seen `stopped`.
    @discardableResult
    private func push(_ work: Work) -> Bool {
        queue.withLock { queue in
            guard !queue.stopped else { return false }
            queue.work.append(work)
            uv_async_send(raw.async)
            return true
        }
    }

    private func threadMain() {
        threadID.store(Self.currentThreadToken(), ordering: .releasing)
        uv_loop_init(raw.loop)
        raw.loop.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        uv_async_init(raw.loop, raw.async) { handle in
            guard let handle, let loop = EventLoop.from(handle.pointee.loop) else { return }
            loop.drain()
        }
        raw.async.pointee.data = raw.loop.pointee.data
        uv_idle_init(raw.loop, local.idle)
        uv_check_init(raw.loop, raw.check)
        uv_check_start(raw.check) { handle in
            guard let handle, let loop = EventLoop.from(handle.pointee.loop) else { return }
            loop.runDeferred()
            loop.runEndOfTurn()
            for hook in loop.turnHooks.withLock({ $0 }) { hook() }
            loop.local.turn &+= 1
        }
        started.signal()
        uv_run(raw.loop, UV_RUN_DEFAULT)
        uv_loop_close(raw.loop)
        exited.signal()
    }

    /// Runs every queued job; on stop, closes all handles so `uv_run` returns.
    private func drain() {
        let taskExecutor = asUnownedTaskExecutor()
        while true {
            let (batch, stopped) = queue.withLock { queue -> (Deque<Work>, Bool) in
                defer { queue.work.removeAll(keepingCapacity: true) }
                return (queue.work, queue.stopped)
            }
            if batch.isEmpty {
                if stopped { closeAllHandles() }
                return
            }
            for work in batch {
                switch work {
                case .job(let job): job.runSynchronously(on: taskExecutor)
                case .closure(let body): body()
                }
            }
        }
    }

    private func closeAllHandles() {
        local.stopping = true
        runDeferred()
        runEndOfTurn()
        local.closingHandles = true
        for hook in turnHooks.withLock({ $0 }) { hook() }
        uv_walk(raw.loop, { handle, _ in
            guard let handle, uv_is_closing(handle) == 0 else { return }
            uv_close(handle, nil)
        }, nil)
    }

    /// The calling thread's `pthread_t` as an integer (a pointer on Darwin, an integer on Linux).
    private static func currentThreadToken() -> UInt {
        #if canImport(Glibc)
        return UInt(pthread_self())
        #else
        return UInt(bitPattern: pthread_self())
        #endif
    }

    static func from(_ loop: UnsafeMutablePointer<uv_loop_t>?) -> EventLoop? {
        guard let data = loop?.pointee.data else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue()
    }
}

/// The loop's C structs.
///
/// `@unchecked Sendable` is the libuv bridge: the pointers are created once, read from
/// other threads only to call `uv_async_send` (which libuv documents as thread-safe), and
/// dereferenced otherwise only on the loop thread.
final class LoopHandles: @unchecked Sendable {
    let loop = UnsafeMutablePointer<uv_loop_t>.allocate(capacity: 1)
    let async = UnsafeMutablePointer<uv_async_t>.allocate(capacity: 1)
    let check = UnsafeMutablePointer<uv_check_t>.allocate(capacity: 1)
    deinit {
        loop.deallocate()
        async.deallocate()
        check.deallocate()
    }
}

/// Carries the loop thread's body through `pthread_create`.
private final class LoopThreadStart: Sendable {
    let body: @Sendable () -> Void
    init(body: @escaping @Sendable () -> Void) { self.body = body }
}

/// A value that lives on the event loop thread and is only touched there.
///
/// `@unchecked Sendable` is the libuv bridge: it lets a request task (which runs on the
/// loop by executor preference) carry a reference to its connection. Every access goes
/// through `value`, which asserts that the caller is on the loop thread.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    private let wrapped: Value
    let loop: EventLoop
    init(_ value: Value, loop: EventLoop) {
        wrapped = value
        self.loop = loop
    }
    var value: Value {
        assert(loop.isCurrent, "loop-bound value touched off the loop thread")
        return wrapped
    }
}

/// A weak reference to a loop-confined object, for callbacks that must not keep it alive
/// (a request body's demand callback must not keep its closed connection in memory).
///
/// `@unchecked Sendable` for the same reason as `LoopBound`: access is asserted to be on the
/// loop thread.
struct WeakLoopBound<Value: AnyObject>: @unchecked Sendable {
    private weak var wrapped: Value?
    let loop: EventLoop
    init(_ value: Value, loop: EventLoop) {
        wrapped = value
        self.loop = loop
    }
    var value: Value? {
        assert(loop.isCurrent, "loop-bound value touched off the loop thread")
        return wrapped
    }
}
