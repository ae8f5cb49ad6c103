import Synchronization

/// A fixed set of dedicated threads with a bounded queue, for blocking work that
/// must not run on the cooperative pool or the event loop (password hashing, file I/O).
///
/// When `maxQueued` jobs are already waiting, `run` throws `server_busy` with `Retry-After`
/// instead of queueing more: a storm degrades to fast 503s, not to unbounded memory.
public final class BlockingWorkPool: Sendable {
    private let threads: [DedicatedThread]
    private let maxQueued: Int
    private let counters = Mutex((inFlight: 0, next: 0))
    /// Seconds suggested to clients in `Retry-After` when the queue is full.
    public let retryAfterSeconds: Int

    /// - Parameters:
    ///   - name: thread name prefix.
    ///   - threadCount: number of worker threads (≥ 1).
    ///   - maxQueued: jobs admitted (running plus waiting) before callers get `server_busy`.
    public init(name: String, threadCount: Int, maxQueued: Int, retryAfterSeconds: Int = 1) {
        threads = (0..<max(1, threadCount)).map { DedicatedThread(name: "\(name)-\($0)") }
        self.maxQueued = max(1, maxQueued)
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Jobs admitted and not yet finished.
    public var inFlight: Int { counters.withLock { $0.inFlight } }

    /// Runs `body` on one of the pool's threads.
    /// - Throws: `AppBaseError` `server_busy` when the queue is full; whatever `body` throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let slot = counters.withLock { counters -> Int? in
            guard counters.inFlight < maxQueued else { return nil }
            counters.inFlight += 1
            counters.next = (counters.next + 1) % threads.count
            return counters.next
        }
        guard let slot else { throw AppBaseError.serverBusy(retryAfterSeconds: retryAfterSeconds) }
        defer { counters.withLock { $0.inFlight -= 1 } }
        return try await threads[slot].run(body)
    }

    /// Stops every thread after its queued work.
    public func shutdown() { threads.forEach { $0.shutdown() } }
}
