import AppBaseCore
import Dispatch
import DequeModule
import Synchronization

/// What a write closure gets: the write connection, and ways to run code after the commit or
/// after a rollback of the write.
public final class WriteContext {
    public let connection: SQLiteConnection
    /// Numbers the writer's transactions (one per group commit, failed ones included): writes
    /// with the same number share one transaction, in which no other connection can commit.
    public let transaction: Int
    var pendingActions: [@Sendable () -> Void] = []
    var pendingRollbacks: [@Sendable () -> Void] = []
    /// Work registered with `beforeCommit`, by owner, in registration order.
    private(set) var beforeCommitWork: [(owner: ObjectIdentifier, work: (SQLiteConnection) throws -> Void)] = []

    init(connection: SQLiteConnection, transaction: Int) {
        self.connection = connection
        self.transaction = transaction
    }

    /// Runs `action` on the writer thread after the transaction holding this write commits, in
    /// commit order (the change feed publishes here). Dropped if the write rolls back.
    public func afterCommit(_ action: @escaping @Sendable () -> Void) { pendingActions.append(action) }

    /// Runs `action` on the writer thread if this write's changes are undone: its savepoint is
    /// rolled back (the write threw), or the transaction holding it fails to commit. Dropped once
    /// the write has committed. For state kept in memory beside the database (the audit log's
    /// chain head, ADR 0028), which must forget what a rollback took back.
    public func onRollback(_ action: @escaping @Sendable () -> Void) { pendingRollbacks.append(action) }

    /// Runs `work` once per transaction, after its last write and before `COMMIT`, outside every
    /// write's savepoint; a second registration by the same `owner` in the transaction is
    /// ignored. If `work` throws, the whole transaction rolls back (every write in it fails with
    /// that error, and their `onRollback` actions run). For rows several writes contribute to
    /// and that are cheaper inserted together (the audit log's entries, ADR 0028).
    public func beforeCommit(_ owner: AnyObject, _ work: @escaping (SQLiteConnection) throws -> Void) {
        let id = ObjectIdentifier(owner)
        guard !beforeCommitWork.contains(where: { $0.owner == id }) else { return }
        beforeCommitWork.append((id, work))
    }
}

/// The single writer of one database: every write of an app (auth, records, change log,
/// files, audit) goes through it, on its own thread, so writers never queue on SQLite's lock.
///
/// With an `idleTimeout` the thread ends after that long without writes, once the connection
/// has given back its page cache (`PRAGMA shrink_memory`); the next write starts it again. The
/// connection stays open, so writes stay serialised on one connection (ADR 0004, ADR 0024).
///
/// Group commit: writes that arrive while a transaction is being written join the next
/// one — up to `maxBatch` writes share one `BEGIN IMMEDIATE … COMMIT` (one fsync), each in its
/// own savepoint so a failing write rolls back alone. A caller resumes only after the commit
/// that holds its write, so an acknowledged write is durable.
public final class DatabaseWriter: Sendable {
    private struct Job: Sendable {
        /// Runs the body inside the current savepoint; returns whether it succeeded.
        let run: @Sendable (WriteContext) -> Bool
        /// Resumes the caller: with the body's error if it failed, else with the commit's
        /// outcome (`nil` = committed). Jobs that never ran resume with the commit error.
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State: Sendable {
        var queue = Deque<Job>()
        var flushScheduled = false
        var closed = false
    }

    private let thread: DedicatedThread
    private let connection: Mutex<SQLiteConnection?>
    private let state = Mutex(State())
    private let maxQueued: Int
    private let maxBatch: Int
    /// Commits so far (for tests and metrics).
    private let commitCounter = Atomic<Int>(0)
    /// The write connection's signs of life (`currentJobStall`).
    private let progress: ConnectionProgress
    /// Transactions begun so far (`WriteContext.transaction`).
    private let transactionCounter = Atomic<Int>(0)
    /// Copies the WAL into the database file off the writer's thread, when a policy asks for it.
    let checkpointer: WALCheckpointer?

    /// Opens the write connection on its own thread, applies `pragmas` and `migrations`.
    /// - Parameters:
    ///   - idleTimeout: the writer thread ends after this long without work and starts again with
    ///     the next (nil: it runs until `close`).
    ///   - checkpoint: copy the WAL into the database file on a thread of its own (ADR 0048)
    ///     instead of SQLite's automatic checkpoint on the writer (`wal_autocheckpoint`, nil).
    public static func open(path: String, pragmas: [String], migrations: [(namespace: String, migrations: [Migration])],
                            maxQueued: Int = 4096,
                            maxBatch: Int = 256,
                            idleTimeout: Duration? = nil,
                            checkpoint: CheckpointPolicy? = nil) async throws -> DatabaseWriter {
        let thread = DedicatedThread(name: "sqlite-writer", idleTimeout: idleTimeout)
        let checkpointer = checkpoint.map { _ in WALCheckpointer(path: path, idleTimeout: idleTimeout) }
        let writer = try await thread.run {
            let connection = try openConnection(path: path, pragmas: pragmas)
            let progress = ConnectionProgress()
            connection.reportProgress(to: progress)
            for set in migrations { try Migrator.migrate(connection, namespace: set.namespace, set.migrations) }
            if let checkpoint, let checkpointer {
                var trigger = CheckpointTrigger(policy: checkpoint)
                connection.onWALCommit { walFrames in
                    let action = trigger.afterCommit(walFrames: walFrames) { checkpointer.progress }
                    if action.requestBackground { checkpointer.request() }
                    return action.writerCheckpoints ? .checkpoint : .nothing
                }
            }
            return DatabaseWriter(thread: thread, connection: connection, progress: progress, maxQueued: maxQueued,
                                  maxBatch: maxBatch, checkpointer: checkpointer)
        }
        // Weak: the thread outlives no writer, and a strong reference would keep both alive.
        thread.setIdleHook { [weak writer] in writer?.shrinkMemory() }
        return writer
    }

    /// The write connection with `pragmas` applied: through `WALWriteCoalescingVFS` (ADR 0052)
    /// when it syncs every commit (`synchronous` FULL or EXTRA), else through the default VFS.
    private static func openConnection(path: String, pragmas: [String]) throws -> SQLiteConnection {
        let coalescing = try SQLiteConnection(path: path, mode: .readWrite, vfs: .walWriteCoalescing)
        for pragma in pragmas { try coalescing.execute(pragma) }
        if try coalescing.syncsEveryCommit { return coalescing }
        let plain = try SQLiteConnection(path: path, mode: .readWrite)
        for pragma in pragmas { try plain.execute(pragma) }
        return plain
    }

    private init(thread: DedicatedThread, connection: sending SQLiteConnection, progress: ConnectionProgress, maxQueued: Int,
                 maxBatch: Int, checkpointer: WALCheckpointer?) {
        self.thread = thread
        self.checkpointer = checkpointer
        self.progress = progress
        self.connection = Mutex(connection)
        self.maxQueued = maxQueued
        self.maxBatch = maxBatch
    }

    /// Number of transactions committed (and of `withConnection` bodies that changed rows).
    /// It grows before any write of the commit is acknowledged: a reader that finds it unchanged
    /// since its snapshot began has missed no acknowledged write (`DatabaseReaders.shareInlineSnapshots`).
    public var commitCount: Int { commitCounter.load(ordering: .acquiring) }

    /// True while the writer's OS thread exists (false once it has been idle for `idleTimeout`).
    public var hasThread: Bool { thread.hasThread }

    /// How long the writer's current job (a group commit, a migration, a `withConnection` body) has
    /// run, or nil when it runs none. Reading it queues nothing, so it keeps no idle thread alive.
    public var currentJobDuration: Duration? { thread.currentWorkDuration }

    /// How long the writer's current job has gone without a sign of life — SQLite stepping, or
    /// waiting for another connection's lock — or nil when it runs none. A job that keeps
    /// working, however long, stays near zero; a job blocked outside SQLite (or in a system call
    /// that never returns) grows with the clock. Reading it queues nothing.
    public var currentJobStall: Duration? {
        guard let running = thread.currentWorkDuration else { return nil }
        let now = DispatchTime.now().uptimeNanoseconds
        let sinceTick = progress.lastTickNanoseconds == 0 || progress.lastTickNanoseconds > now
            ? UInt64.max : now - progress.lastTickNanoseconds
        let runningNanos = UInt64(clamping: running.components.seconds) &* 1_000_000_000
            &+ UInt64(running.components.attoseconds / 1_000_000_000)
        return .nanoseconds(Int64(clamping: min(runningNanos, sinceTick)))
    }

    /// On the writer thread, before it ends for idleness: the connection frees its page cache.
    private func shrinkMemory() {
        connection.withLock { connection in try? connection?.execute("PRAGMA shrink_memory") }
    }

    /// Runs `body` inside the next group transaction and returns its result once committed.
    /// - Throws: `server_busy` when `maxQueued` writes are already waiting; what `body` throws
    ///   (its changes are rolled back); `SQLiteError` if the commit fails.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (WriteContext) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let result = Mutex<Result<T, any Error>?>(nil)
            let job = Job(
                run: { context in
                    do {
                        let value = try body(context)
                        result.withLock { $0 = .success(value) }
                        return true
                    } catch {
                        result.withLock { $0 = .failure(error) }
                        return false
                    }
                },
                finish: { commitError in
                    switch result.withLock({ $0 }) {
                    case .failure(let error)?: continuation.resume(throwing: error)
                    case .success(let value)?:
                        if let commitError { continuation.resume(throwing: commitError) } else { continuation.resume(returning: value) }
                    case nil:
                        continuation.resume(throwing: commitError ?? SQLiteError(code: 21, message: "write not run"))
                    }
                })
            let outcome = state.withLock { state -> (accepted: Bool, schedule: Bool, closed: Bool) in
                guard !state.closed else { return (false, false, true) }
                guard state.queue.count < maxQueued else { return (false, false, false) }
                state.queue.append(job)
                let schedule = !state.flushScheduled
                state.flushScheduled = true
                return (true, schedule, false)
            }
            guard outcome.accepted else {
                continuation.resume(throwing: outcome.closed
                    ? AppBaseError(status: 503, code: .unavailable, message: "The database is closing; retry shortly.",
                                   retryAfterSeconds: 1)
                    : AppBaseError.serverBusy(retryAfterSeconds: 1, "Too many writes queued; retry later."))
                return
            }
            if outcome.schedule { thread.execute { [self] in flush() } }
        }
    }

    /// Runs `body` with the write connection outside any transaction (checkpoints, VACUUM,
    /// start-up cleanup). Serialised with writes.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await thread.run { [self] in
            try connection.withLock { connection in
                guard let connection else { throw SQLiteError(code: 21, message: "database closed") }
                let changesBefore = connection.totalChanges
                defer { if connection.totalChanges != changesBefore { commitCounter.add(1, ordering: .releasing) } }
                return try body(connection)
            }
        }
    }

    /// Flushes queued writes, checkpoints the WAL and closes the connection. Later writes fail.
    public func close() async {
        let alreadyClosed = state.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        guard !alreadyClosed else { return }
        // Its pass would make the final TRUNCATE checkpoint wait (or fail) for the checkpoint lock.
        await checkpointer?.close()
        _ = try? await thread.run { [self] in
            flush()
            connection.withLock { connection in
                _ = try? connection?.checkpoint(.truncate)
                connection = nil
            }
        }
        thread.shutdown()
    }

    /// On the writer thread: one group transaction per batch, until the queue is empty.
    private func flush() {
        while true {
            let batch = state.withLock { state -> [Job] in
                let count = min(maxBatch, state.queue.count)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                if batch.isEmpty { state.flushScheduled = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            commit(batch)
        }
    }

    private func commit(_ batch: [Job]) {
        var actions: [@Sendable () -> Void] = []
        let commitError: (any Error)? = connection.withLock { connection -> (any Error)? in
            guard let connection else { return SQLiteError(code: 21, message: "database closed") }
            do {
                try connection.run("BEGIN IMMEDIATE")
            } catch {
                return error
            }
            let number = transactionCounter.add(1, ordering: .relaxed).newValue
            let context = WriteContext(connection: connection, transaction: number)
            // The rollback actions of the writes released so far: they run if the transaction fails.
            var rollbacks: [@Sendable () -> Void] = []
            do {
                for job in batch {
                    try connection.run("SAVEPOINT write_job")
                    context.pendingActions = []
                    context.pendingRollbacks = []
                    if job.run(context) {
                        try connection.run("RELEASE write_job")
                        actions.append(contentsOf: context.pendingActions)
                        rollbacks.append(contentsOf: context.pendingRollbacks)
                    } else {
                        try connection.run("ROLLBACK TO write_job")
                        try connection.run("RELEASE write_job")
                        for action in context.pendingRollbacks { action() }
                    }
                    // Cleared only now: when a statement above throws, the catch below runs them.
                    context.pendingRollbacks = []
                }
                for registered in context.beforeCommitWork { try registered.work(connection) }
                try connection.run("COMMIT")
                return nil
            } catch {
                try? connection.execute("ROLLBACK")
                // Also the current write's, when its RELEASE or ROLLBACK TO failed.
                for action in rollbacks + context.pendingRollbacks { action() }
                return error
            }
        }
        if commitError == nil {
            commitCounter.add(1, ordering: .releasing)
            for action in actions { action() }
        }
        for job in batch { job.finish(commitError) }
    }
}
