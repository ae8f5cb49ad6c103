import AppBaseCore
import Synchronization

/// Copies committed WAL frames into the database file on a thread of its own, so the writer's
/// commits do not wait for those copies and the database file's fsync (ADR 0048).
///
/// Passes are passive (`SQLITE_CHECKPOINT_PASSIVE`): they take SQLite's checkpoint lock, never
/// the write lock, so the writer keeps committing during a pass, and readers are never waited
/// for (nor are frames a reader's snapshot still needs copied). A request while a pass is queued
/// is folded into it. The connection opens with the first pass, and closes when the thread idles
/// out, like the writer's page cache (ADR 0024), or after a failed pass (the next one reopens it).
final class WALCheckpointer: Sendable {
    private let path: String
    private let thread: DedicatedThread
    private let connection = Mutex<SQLiteConnection?>(nil)
    private let queued = Atomic<Bool>(false)
    private let closing = Atomic<Bool>(false)
    private let completed = Mutex(CheckpointProgress())
    private let failures = Atomic<Int>(0)

    init(path: String, idleTimeout: Duration?) {
        self.path = path
        thread = DedicatedThread(name: "sqlite-checkpt", idleTimeout: idleTimeout)
        thread.setIdleHook { [weak self] in self?.connection.withLock { $0 = nil } }
    }

    /// Passes completed so far, and what the last one left.
    var progress: CheckpointProgress { completed.withLock { $0 } }

    /// Passes that failed for another reason than a checkpoint already running (I/O errors, a
    /// database that cannot be opened): the WAL then grows until a pass succeeds.
    var failedPasses: Int { failures.load(ordering: .relaxed) }

    /// Asks for a pass; returns at once. Dropped once `close` has begun.
    func request() {
        guard !closing.load(ordering: .acquiring), !queued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if !thread.executeUnlessStopping({ [self] in pass() }) { queued.store(false, ordering: .releasing) }
    }

    /// Waits until the passes requested so far have run (tests).
    func waitForQueuedPasses() async {
        _ = try? await thread.run {}
    }

    /// Lets a pass in progress finish, drops the connection and ends the thread; passes asked for
    /// meanwhile do nothing.
    func close() async {
        closing.store(true, ordering: .releasing)
        _ = try? await thread.run { [self] in connection.withLock { $0 = nil } }
        thread.shutdown()
    }

    /// A connection to the existing database (never creating one) that fsyncs what it copies,
    /// every 256 KiB as well as at the end (`PacedCheckpointVFS`, ADR 0053: a commit's sync never
    /// waits behind a whole pass), and has read the database header: until then SQLite does not
    /// know the database is in WAL mode, and a checkpoint on it copies nothing.
    private static func connect(_ path: String) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, mode: .readWriteExisting, vfs: .pacedCheckpoint)
        try connection.execute("PRAGMA synchronous = FULL")
        _ = try connection.queryOne("SELECT count(*) FROM sqlite_master") { $0.int64(0) }
        return connection
    }

    private func pass() {
        queued.store(false, ordering: .releasing)
        guard !closing.load(ordering: .acquiring) else { return }
        let outcome = connection.withLock { connection -> (walFrames: Int, copied: Int)? in
            do {
                if connection == nil { connection = try Self.connect(path) }
                return try connection?.checkpoint(.passive)
            } catch let error as SQLiteError where error.isBusy {
                // The writer is copying its tail; its checkpoint serves as this pass.
                return nil
            } catch {
                failures.add(1, ordering: .relaxed)
                connection = nil
                return nil
            }
        }
        guard let outcome else { return }
        completed.withLock { $0 = CheckpointProgress(passes: $0.passes + 1, walFrames: outcome.walFrames, backfilled: outcome.copied) }
    }
}
