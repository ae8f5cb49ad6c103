import AppBaseCore
import Synchronization

/// Read-only connections, each on its own dedicated thread, for queries that must not wait
/// behind the writer's fsync. WAL mode gives each read a consistent snapshot.
///
/// One more read-only connection serves `readInline`: point reads answered on the caller's
/// thread (the event loop) under a strict step budget, where the hop to a reader thread and
/// back costs more than the read itself. It is opened with the readers and stays open.
///
/// With an `idleTimeout`, a reader's connection is opened on its thread by the first read and
/// closed again, with the thread ended, after that long without reads: a database nobody reads
/// holds only the inline connection (ADR 0024). Each read still runs in one statement on one
/// connection, so it sees one WAL snapshot.
public final class DatabaseReaders: Sendable {
    /// A reader connection: not opened yet (or closed for idleness), open, or closed for good.
    private enum Connection {
        case unopened
        case open(SQLiteConnection)
        case closed
    }

    private final class Slot: Sendable {
        let thread: DedicatedThread
        private let connection: Mutex<Connection>
        private let path: String
        private let pragmas: [String]

        init(thread: DedicatedThread, path: String, pragmas: [String]) {
            self.thread = thread
            self.connection = Mutex(.unopened)
            self.path = path
            self.pragmas = pragmas
        }

        /// On the slot's thread: runs `body` with the connection, opening it first if needed.
        func withConnection<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
            try connection.withLock { state in
                switch state {
                case .closed:
                    throw SQLiteError(code: 21, message: "database closed")
                case .open(let connection):
                    return try body(connection)
                case .unopened:
                    let connection = try Self.connect(path: path, pragmas: pragmas)
                    state = .open(connection)
                    return try body(connection)
                }
            }
        }

        /// On the slot's thread, when it ends for idleness: the next read reopens.
        func release() {
            connection.withLock { state in
                if case .open = state { state = .unopened }
            }
        }

        /// After the thread has stopped: no read can reopen.
        func close() {
            connection.withLock { $0 = .closed }
        }

        static func connect(path: String, pragmas: [String]) throws -> SQLiteConnection {
            let connection = try SQLiteConnection(path: path, mode: .readOnly)
            for pragma in pragmas { try connection.execute(pragma) }
            return connection
        }
    }

    private let slots: [Slot]
    private let counters = Mutex((inFlight: 0, next: 0))
    private let maxQueued: Int
    /// The inline connection and its held snapshot; the lock is uncontended (one caller
    /// thread: the loop; the health probe reads seldom).
    private let inline: Mutex<InlineState>
    /// Virtual-machine steps an inline read may take before it is interrupted (a point read by
    /// primary key takes well under a hundred).
    public static let inlineStepBudget = 2_000

    /// Opens the inline connection to `path` (which must exist, migrated) and prepares `count`
    /// readers.
    /// - Parameter idleTimeout: a reader's thread and connection end after this long without
    ///   reads and start again with the next (nil: they start with the first read and stay).
    public static func open(path: String, count: Int, pragmas: [String], maxQueued: Int = 4096,
                            idleTimeout: Duration? = nil) async throws -> DatabaseReaders {
        let slots = (0..<max(1, count)).map { index in
            Slot(thread: DedicatedThread(name: "sqlite-reader-\(index)", idleTimeout: idleTimeout), path: path,
                 pragmas: pragmas)
        }
        for slot in slots {
            // Unowned would do; weak keeps a stray hook harmless after `close`.
            slot.thread.setIdleHook { [weak slot] in slot?.release() }
        }
        // Opened here, not lazily: it also checks at start-up that the database can be read.
        let inline = try Slot.connect(path: path, pragmas: pragmas)
        return DatabaseReaders(slots: slots, maxQueued: maxQueued, inline: inline)
    }

    private init(slots: [Slot], maxQueued: Int, inline: sending SQLiteConnection) {
        self.slots = slots
        self.maxQueued = maxQueued
        self.inline = Mutex(InlineState(connection: inline))
    }

    /// Reader threads running now (0 once every reader has been idle for `idleTimeout`).
    public var runningThreads: Int { slots.filter { $0.thread.hasThread }.count }

    /// Lets inline reads made with `sharingSnapshot: true` share one read transaction until the
    /// end of the caller's turn (ADR 0025): each read transaction takes and drops SQLite's file
    /// locks (four `fcntl` calls), which cost a point read more than its B-tree descent.
    /// - Parameters:
    ///   - commits: the writer's commit count (`DatabaseWriter.commitCount`). A held snapshot
    ///     older than the latest commit is ended before the next read, so a write acknowledged
    ///     to anyone is visible to every read that starts after the acknowledgement.
    ///   - endOfTurn: runs its argument once at the end of the current turn of the calling
    ///     thread's loop (`EventLoop.atEndOfTurn`) and returns true; false when the caller is not
    ///     on that loop (the read then holds no snapshot). Called inside the read.
    public func shareInlineSnapshots(commits: @escaping @Sendable () -> Int,
                                     endOfTurn: @escaping @Sendable (@escaping @Sendable () -> Void) -> Bool) {
        inline.withLock { $0.sharing = SnapshotSharing(commits: commits, endOfTurn: endOfTurn) }
    }

    /// Runs `body` at once on the calling thread with the inline connection, under
    /// `inlineStepBudget` steps. Returns nil when the read needs more than that (interrupted),
    /// the database is busy or closed: the caller then uses `read`, off its thread.
    /// - Parameter sharingSnapshot: true only on the loop given to `shareInlineSnapshots`: the
    ///   read may run in the snapshot an earlier read of this turn began (see there).
    /// - Throws: what `body` throws (other than the interruption).
    public func readInline<T: Sendable>(sharingSnapshot: Bool = false,
                                        _ body: @Sendable (SQLiteConnection) throws -> T) throws -> T? {
        try inline.withLock { state -> T? in
            guard let connection = state.connection else { return nil }
            let sharing = sharingSnapshot ? state.sharing : nil
            if let held = state.heldSince, sharing == nil || held != sharing?.commits() {
                state.endSnapshot()
            }
            if let sharing, state.heldSince == nil {
                // Scheduled first: off the loop nothing would end it, and the read runs on its own.
                if !state.endScheduled {
                    state.endScheduled = sharing.endOfTurn { [weak self] in self?.endInlineSnapshot() }
                }
                if state.endScheduled {
                    // Read before BEGIN: the snapshot, taken by the first read, includes at least these commits.
                    let commits = sharing.commits()
                    guard (try? connection.run("BEGIN")) != nil else { return nil }
                    state.heldSince = commits
                }
            }
            do {
                return try connection.withWorkBudget(steps: Self.inlineStepBudget) { try body(connection) }
            } catch let error as SQLiteError where error.isInterrupted || error.isBusy {
                state.endSnapshot()
                return nil
            } catch {
                state.endSnapshot()
                throw error
            }
        }
    }

    /// Ends the snapshot inline reads share (the end of the loop's turn).
    func endInlineSnapshot() {
        inline.withLock { state in
            state.endScheduled = false
            state.endSnapshot()
        }
    }

    /// Whether inline reads hold a snapshot now (for tests).
    public var holdsInlineSnapshot: Bool { inline.withLock { $0.heldSince != nil } }

    /// Runs `body` on a reader thread with its connection.
    /// - Throws: `server_busy` when `maxQueued` reads are waiting; what `body` throws.
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let index = counters.withLock { counters -> Int? in
            guard counters.inFlight < maxQueued else { return nil }
            counters.inFlight += 1
            counters.next = (counters.next + 1) % slots.count
            return counters.next
        }
        guard let index else { throw AppBaseError.serverBusy(retryAfterSeconds: 1, "Too many reads queued; retry later.") }
        defer { counters.withLock { $0.inFlight -= 1 } }
        let slot = slots[index]
        return try await slot.thread.run { try slot.withConnection(body) }
    }

    /// Closes every connection and stops the threads (the reads queued so far run first).
    public func close() async {
        inline.withLock { state in
            state.endSnapshot()
            state.connection = nil
        }
        for slot in slots {
            // Once `shutdown` returns no thread touches the connection: closing it here needs
            // no thread, so an idle reader is not woken just to be closed.
            slot.thread.shutdown()
            slot.close()
        }
    }
}

extension DatabaseReaders {
    /// How inline reads on the loop share a snapshot (`shareInlineSnapshots`).
    fileprivate struct SnapshotSharing {
        let commits: @Sendable () -> Int
        let endOfTurn: @Sendable (@escaping @Sendable () -> Void) -> Bool
    }

    /// The inline connection, and the read transaction its reads share within one loop turn.
    fileprivate struct InlineState {
        var connection: SQLiteConnection?
        var sharing: SnapshotSharing?
        /// The writer's commit count when the held transaction began; nil when none is held.
        var heldSince: Int?
        /// Whether the end of the current turn will end the held transaction.
        var endScheduled = false

        init(connection: sending SQLiteConnection) { self.connection = connection }

        /// Ends the held read transaction, if any. COMMIT of a read transaction cannot fail but
        /// for a closed connection; the state forgets it either way.
        mutating func endSnapshot() {
            guard heldSince != nil else { return }
            heldSince = nil
            _ = try? connection?.run("COMMIT")
        }
    }
}
