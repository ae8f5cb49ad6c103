import AppBaseCore
import Synchronization

/// Read-only connections, each on its own dedicated thread, for queries that must not wait
/// behind the writer's fsync. WAL mode gives each read a consistent snapshot.
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
        return DatabaseReaders(slots: slots, maxQueued: maxQueued)
    }

    private init(slots: [Slot], maxQueued: Int) {
        self.slots = slots
        self.maxQueued = maxQueued
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
        for slot in slots {
            _ = try? await slot.thread.run { slot.connection.withLock { $0 = nil } }
            slot.thread.shutdown()
        }
    }
}
