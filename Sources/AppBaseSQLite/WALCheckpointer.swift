import AppBaseCore
import Synchronization

/// When an app database's WAL is copied back into the database file (ADR 0048).
///
/// SQLite starts the WAL over from its beginning only when a write transaction begins with every
/// frame already copied, and only the writer can copy the last ones before it appends more. So
/// background passes copy the bulk, and the writer copies the tail once it is short.
public struct CheckpointPolicy: Sendable, Hashable {
    /// Each time the WAL has grown by this many frames, the background checkpointer runs a pass.
    public var backgroundStep: Int
    /// From this many frames on, every commit asks for a pass, and the writer copies the frames
    /// the passes have not yet copied itself once they are at most `writerTail`.
    public var writerLimit: Int
    /// The most frames the writer copies itself (a stall of every write behind it) below the hard limit.
    public var writerTail: Int
    /// From this many frames on (twice `writerLimit`) the writer checkpoints after every commit,
    /// however long the tail: the bound on the WAL when background passes cannot keep up.
    public var hardLimit: Int { writerLimit > Int.max / 2 ? Int.max : writerLimit * 2 }

    public init(backgroundStep: Int, writerLimit: Int, writerTail: Int) {
        self.backgroundStep = backgroundStep
        self.writerLimit = writerLimit
        self.writerTail = writerTail
    }

    /// A pass every 4,000 frames (16 MiB of 4 KiB pages), as often as SQLite's automatic
    /// checkpoint ran on the writer before; the WAL starts over from about 16,000 frames (64 MiB),
    /// the writer copying at most 500 of them, and never grows past 32,000 (128 MiB).
    public static let standard = CheckpointPolicy(backgroundStep: 4_000, writerLimit: 16_000, writerTail: 500)

    /// What the writer does after a commit that leaves `walFrames` frames in the WAL, given the
    /// size at which it last asked for a pass (`lastRequest`, updated here) and what the last
    /// background pass left: the WAL's size then and how many of its frames were copied.
    func action(walFrames: Int, lastRequest: inout Int,
                lastPass: (walFrames: Int, backfilled: Int)?) -> (requestBackground: Bool, writerCheckpoints: Bool) {
        // The WAL started over since the last request.
        if walFrames < lastRequest { lastRequest = 0 }
        guard walFrames < writerLimit else {
            // A pass on a WAL larger than this one ran before it started over: it copied none of these.
            let backfilled = lastPass.flatMap { $0.walFrames <= walFrames ? $0.backfilled : nil } ?? 0
            if walFrames - backfilled <= writerTail || walFrames >= hardLimit { return (false, true) }
            lastRequest = walFrames
            return (true, false)
        }
        let request = walFrames - lastRequest >= backgroundStep
        if request { lastRequest = walFrames }
        return (request, false)
    }
}

/// Copies committed WAL frames into the database file on a thread of its own, so the writer's
/// commits do not wait for those copies and the database file's fsync (ADR 0048).
///
/// Passes are passive (`SQLITE_CHECKPOINT_PASSIVE`): they take SQLite's checkpoint lock, never
/// the write lock, so the writer keeps committing during a pass, and readers are never waited
/// for. A request while a pass is queued is folded into it. The connection opens with the first
/// pass and closes when the thread idles out, like the writer's page cache (ADR 0024).
final class WALCheckpointer: Sendable {
    private let path: String
    private let thread: DedicatedThread
    private let connection = Mutex<SQLiteConnection?>(nil)
    private let queued = Atomic<Bool>(false)
    private let completed = Atomic<Int>(0)
    private let lastPass = Mutex<(walFrames: Int, backfilled: Int)?>(nil)

    init(path: String, idleTimeout: Duration?) {
        self.path = path
        thread = DedicatedThread(name: "sqlite-checkpt", idleTimeout: idleTimeout)
        thread.setIdleHook { [weak self] in self?.connection.withLock { $0 = nil } }
    }

    /// Passes that ran to the end so far, and after the last one the frames in the WAL and how
    /// many of them were in the database file.
    var statistics: (passes: Int, last: (walFrames: Int, backfilled: Int)?) {
        (completed.load(ordering: .acquiring), lastPass.withLock { $0 })
    }

    /// Asks for a pass; returns at once. Dropped once `close` has begun.
    func request() {
        guard !queued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if !thread.executeUnlessStopping({ [self] in pass() }) { queued.store(false, ordering: .releasing) }
    }

    /// Waits until the passes requested so far have run (tests).
    func waitForQueuedPasses() async {
        _ = try? await thread.run {}
    }

    /// Lets the pass running now finish, drops the connection and ends the thread.
    func close() async {
        _ = try? await thread.run { [self] in connection.withLock { $0 = nil } }
        thread.shutdown()
    }

    /// A connection that has read the database header: until then SQLite does not know the
    /// database is in WAL mode, and a checkpoint on it copies nothing.
    private static func connect(_ path: String) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        try connection.execute("PRAGMA journal_mode = WAL")
        return connection
    }

    private func pass() {
        queued.store(false, ordering: .releasing)
        let outcome = connection.withLock { connection -> (walFrames: Int, copied: Int)? in
            if connection == nil { connection = try? Self.connect(path) }
            // SQLITE_BUSY: the writer is checkpointing past its limit; its copy serves as this pass.
            return try? connection?.checkpoint(.passive)
        }
        guard let outcome else { return }
        lastPass.withLock { $0 = (outcome.walFrames, outcome.copied) }
        completed.add(1, ordering: .releasing)
    }
}
