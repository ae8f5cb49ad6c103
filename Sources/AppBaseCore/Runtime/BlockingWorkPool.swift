import Synchronization

/// A fixed set of dedicated threads with bounded, fair queueing, for blocking work that must not
/// run on the cooperative pool or the event loop (password hashing, file I/O).
///
/// Work is submitted through a *lane* (`lane(_:)`, one per app): waiting work is taken round-robin
/// among the lanes that have some (`FairQueue`), so one app's login storm waits behind its own
/// queue, not in front of another app's logins. Admission is bounded twice: per lane
/// (`maxQueuedPerLane`, running plus waiting) and in total (`maxQueued`). Past either bound the
/// caller gets `server_busy` with `Retry-After` at once: a storm degrades to fast 503s for the
/// storming lane, not to unbounded memory or to waits for everyone.
///
/// A job is handed to a thread only when that thread is idle, so the pool's order is decided here,
/// never by a thread's own queue. `run(_:)` on the pool itself uses the unnamed lane `""`.
public final class BlockingWorkPool: BlockingWorkRunner {
    /// One admitted job: `run` executes it on a pool thread, `fail` answers it without running.
    private struct Job: Sendable {
        let lane: String
        let run: @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct State: Sendable {
        var waiting = FairQueue<Job>()
        /// Indices of threads with nothing to do.
        var idle: [Int]
        /// Admitted and not finished, per lane (a lane with none has no entry).
        var admitted: [String: Int] = [:]
        var inFlight = 0
        var stopped = false
    }

    private let threads: [DedicatedThread]
    private let maxQueued: Int
    private let maxQueuedPerLane: Int
    private let state: Mutex<State>
    /// Seconds suggested to clients in `Retry-After` when a queue is full.
    public let retryAfterSeconds: Int

    /// - Parameters:
    ///   - name: thread name prefix.
    ///   - threadCount: number of worker threads (≥ 1).
    ///   - maxQueued: jobs admitted in all lanes (running plus waiting) before callers get `server_busy`.
    ///   - maxQueuedPerLane: jobs admitted in one lane before that lane's callers get `server_busy`
    ///     (nil: `maxQueued`, i.e. only the total bound).
    ///   - retryAfterSeconds: the `Retry-After` of a refusal.
    public init(name: String, threadCount: Int, maxQueued: Int, maxQueuedPerLane: Int? = nil, retryAfterSeconds: Int = 1) {
        let count = max(1, threadCount)
        threads = (0..<count).map { DedicatedThread(name: "\(name)-\($0)") }
        self.maxQueued = max(1, maxQueued)
        self.maxQueuedPerLane = max(1, min(maxQueuedPerLane ?? maxQueued, maxQueued))
        self.retryAfterSeconds = retryAfterSeconds
        state = Mutex(State(idle: Array((0..<count).reversed())))
    }

    /// Jobs admitted and not yet finished, in all lanes.
    public var inFlight: Int { state.withLock { $0.inFlight } }

    /// Jobs admitted and not yet finished in `lane`.
    public func inFlight(lane: String) -> Int { state.withLock { $0.admitted[lane] ?? 0 } }

    /// The submitting side for one app (or other tenant) named `key`.
    public func lane(_ key: String) -> BlockingWorkLane { BlockingWorkLane(pool: self, key: key) }

    /// Runs `body` on one of the pool's threads, in the unnamed lane.
    /// - Throws: `AppBaseError` `server_busy` when the queue is full; `ThreadStoppedError` after
    ///   `shutdown()`; whatever `body` throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await run(in: "", body)
    }

    /// Runs `body` on one of the pool's threads when `lane`'s turn comes.
    /// - Throws: `AppBaseError` `server_busy` when `lane`'s queue or the total is full;
    ///   `ThreadStoppedError` after `shutdown()`; whatever `body` throws.
    public func run<T: Sendable>(in lane: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(lane: lane, run: { continuation.resume(with: Result { try body() }) },
                          fail: { continuation.resume(throwing: $0) })
            if let refusal = submit(job) { job.fail(refusal) }
        }
    }

    /// Runs `work` on a pool thread when `lane`'s turn comes, without waiting for it.
    /// - Returns: false (and `work` never runs) when `lane`'s queue or the total is full, or the
    ///   pool is shut down.
    public func schedule(in lane: String, _ work: @escaping @Sendable () -> Void) -> Bool {
        submit(Job(lane: lane, run: work, fail: { _ in })) == nil
    }

    /// Stops every thread after its current work; work still waiting is answered with
    /// `ThreadStoppedError` (a caller never waits forever).
    public func shutdown() {
        let abandoned = state.withLock { state -> [Job] in
            state.stopped = true
            return state.waiting.removeAll()
        }
        abandoned.forEach { $0.fail(ThreadStoppedError(name: "\(threads[0].name) pool")) }
        threads.forEach { $0.shutdown() }
    }

    // MARK: Private

    /// Admits `job` and starts it if a thread is idle; returns the error to answer it with when refused.
    private func submit(_ job: Job) -> (any Error)? {
        let maxQueued = self.maxQueued, maxQueuedPerLane = self.maxQueuedPerLane
        let outcome = state.withLock { state -> Result<(Int, Job)?, any Error> in
            if state.stopped { return .failure(ThreadStoppedError(name: "\(threads[0].name) pool")) }
            let inLane = state.admitted[job.lane] ?? 0
            guard inLane < maxQueuedPerLane, state.inFlight < maxQueued else {
                return .failure(AppBaseError.serverBusy(retryAfterSeconds: retryAfterSeconds))
            }
            state.admitted[job.lane] = inLane + 1
            state.inFlight += 1
            state.waiting.enqueue(job, key: job.lane)
            return .success(Self.takeNext(&state))
        }
        switch outcome {
        case .failure(let error): return error
        case .success(let start):
            if let (thread, next) = start { launch(next, on: thread) }
            return nil
        }
    }

    /// The next job by turn and an idle thread for it, if both exist.
    private static func takeNext(_ state: inout State) -> (Int, Job)? {
        guard !state.idle.isEmpty, let next = state.waiting.dequeue() else { return nil }
        return (state.idle.removeLast(), next.element)
    }

    /// Runs `job` on thread `index`; when it is done the same thread takes the next job by turn, or goes idle.
    /// A job launched while `shutdown()` stops the thread is answered with `ThreadStoppedError`, never dropped.
    private func launch(_ job: Job, on index: Int) {
        let accepted = threads[index].executeUnlessStopping { [self] in
            job.run()
            let next = state.withLock { state -> Job? in
                state.inFlight -= 1
                let left = (state.admitted[job.lane] ?? 1) - 1
                state.admitted[job.lane] = left > 0 ? left : nil
                if !state.stopped, let next = state.waiting.dequeue() { return next.element }
                state.idle.append(index)
                return nil
            }
            if let next { launch(next, on: index) }
        }
        if !accepted { job.fail(ThreadStoppedError(name: threads[index].name)) }
    }
}
