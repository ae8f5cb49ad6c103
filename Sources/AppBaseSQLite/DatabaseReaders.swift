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
    /// The inline connection; the lock is uncontended (one caller thread: the loop).
    private let inline: Mutex<SQLiteConnection?>
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
        self.inline = Mutex(inline)
    }

    /// Reader threads running now (0 once every reader has been idle for `idleTimeout`).
    public var runningThreads: Int { slots.filter { $0.thread.hasThread }.count }

    /// Runs `body` at once on the calling thread with the inline connection, under
    /// `inlineStepBudget` steps. Returns nil when the read needs more than that (interrupted),
    /// the database is busy or closed: the caller then uses `read`, off its thread.
    /// - Throws: what `body` throws (other than the interruption).
    public func readInline<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T? {
        try inline.withLock { connection -> T? in
            guard let connection else { return nil }
            do {
                return try connection.withWorkBudget(steps: Self.inlineStepBudget) { try body(connection) }
            } catch let error as SQLiteError where error.isInterrupted || error.isBusy {
                return nil
            }
        }
    }

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
        inline.withLock { $0 = nil }
        for slot in slots {
            // Once `shutdown` returns no thread touches the connection: closing it here needs
            // no thread, so an idle reader is not woken just to be closed.
            slot.thread.shutdown()
            slot.close()
        }
    }
}
