import AppBaseCore
import Synchronization

/// Read-only connections, each on its own dedicated thread, for queries that must not wait
/// behind the writer's fsync. WAL mode gives each read a consistent snapshot.
///
/// One more read-only connection serves `readInline`: point reads answered on the caller's
/// thread (the event loop) under a strict step budget, where the hop to a reader thread and
/// back costs more than the read itself.
public final class DatabaseReaders: Sendable {
    private final class Slot: Sendable {
        let thread: DedicatedThread
        let connection: Mutex<SQLiteConnection?>
        init(thread: DedicatedThread, connection: sending SQLiteConnection) {
            self.thread = thread
            self.connection = Mutex(connection)
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

    /// Opens `count` read-only connections to `path` (which must exist, migrated).
    public static func open(path: String, count: Int, pragmas: [String], maxQueued: Int = 4096) async throws -> DatabaseReaders {
        var slots: [Slot] = []
        for index in 0..<max(1, count) {
            let thread = DedicatedThread(name: "sqlite-reader-\(index)")
            let slot = try await thread.run {
                let connection = try SQLiteConnection(path: path, mode: .readOnly)
                for pragma in pragmas { try connection.execute(pragma) }
                return Slot(thread: thread, connection: connection)
            }
            slots.append(slot)
        }
        let inline = try SQLiteConnection(path: path, mode: .readOnly)
        for pragma in pragmas { try inline.execute(pragma) }
        return DatabaseReaders(slots: slots, maxQueued: maxQueued, inline: inline)
    }

    private init(slots: [Slot], maxQueued: Int, inline: sending SQLiteConnection) {
        self.slots = slots
        self.maxQueued = maxQueued
        self.inline = Mutex(inline)
    }

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
        return try await slot.thread.run {
            try slot.connection.withLock { connection in
                guard let connection else { throw SQLiteError(code: 21, message: "database closed") }
                return try body(connection)
            }
        }
    }

    /// Closes every connection and stops the threads.
    public func close() async {
        inline.withLock { $0 = nil }
        for slot in slots {
            _ = try? await slot.thread.run { slot.connection.withLock { $0 = nil } }
            slot.thread.shutdown()
        }
    }
}
