import AppBaseSQLite
import Synchronization

/// Where the next entry links in: the chain's newest hash and the highest sequence used so far,
/// as the writer's connection sees them, kept in memory so an append need not read them back
/// from the table (ADR 0028) — and the entries the current transaction has appended, which are
/// inserted together just before it commits (`WriteContext.beforeCommit`: one multi-row INSERT
/// costs each entry a third less than a statement of its own).
///
/// The head is trusted only while it provably matches the table and the pending entries:
/// - every append registers `WriteContext.onRollback`: a write that rolls back in its savepoint
///   takes its own pending entries back, and the head returns to the newest entry still pending;
///   once nothing of the transaction is pending (a failed group commit, or a rollback after the
///   entries were inserted) the head is forgotten;
/// - it remembers the connection's `PRAGMA data_version`, which changes when another connection
///   commits (the `sqlite3` shell, another process): the next append then reads the table again.
///
/// Forgotten or stale, the head is read again inside the current transaction — which is what
/// every append did before the head was kept; nothing is pending then (only a new transaction,
/// or one whose appends all rolled back, reads it). Every change to `audit_log` on the writer's
/// connection goes through `AuditLog` (appends, and pruning, which never deletes the head).
///
/// Only the app's writer thread touches it (appends and the insert before COMMIT run inside
/// `DatabaseWriter.write`); the lock is never contended and is there to make the class `Sendable`.
final class AuditChainHead: Sendable {
    /// The newest entry's sequence and hash; `seq` also covers entries deleted from the end.
    struct Link: Sendable, Equatable {
        /// The highest sequence ever used (0 before the first entry): the next entry takes `seq + 1`.
        var seq: Int64
        /// The newest remaining entry's hash (`AuditChain.genesis` while the log is empty).
        var hash: String
    }

    private struct Cached: Sendable {
        var link: Link
        /// The connection's `PRAGMA data_version` when `link` was last known to be right.
        var dataVersion: Int64
        /// The writer transaction (`WriteContext.transaction`) it was last checked in: inside one
        /// transaction no other connection can commit, so it needs no second check there.
        var transaction: Int
    }

    private struct State: Sendable {
        var cached: Cached?
        /// Entries appended in the current transaction, in sequence order, not inserted yet.
        var pending: [AuditEntry] = []

        /// A rollback of the writes that appended `pending[mark...]`.
        mutating func rollBack(to mark: Int) {
            if pending.count > mark { pending.removeSubrange(mark...) }
            if let last = pending.last {
                cached?.link = Link(seq: last.seq, hash: last.hash)
            } else {
                cached = nil
            }
        }
    }

    /// Boxed apart from `self` so the rollback action can reach it without a reference cycle.
    private final class Storage: Sendable {
        let state = Mutex(State())
        let reads = Atomic<Int>(0)
    }

    private let storage: Storage
    /// Registered with every appending transaction; built once, so no closure is allocated per append.
    private let insertPendingWork: @Sendable (SQLiteConnection) throws -> Void

    init() {
        let storage = Storage()
        self.storage = storage
        insertPendingWork = { connection in try Self.insertPending(storage, connection) }
    }

    /// How many appends had to read the head from the table (the first, and the first after a
    /// rollback or another connection's commit).
    var reads: Int { storage.reads.load(ordering: .relaxed) }

    /// Appends one entry inside the open transaction of `context`: `make` builds the entry that
    /// follows the given link, which becomes the head; the entry is inserted with the
    /// transaction's others before it commits. Returns the entry's sequence.
    func append(in context: WriteContext, _ make: (Link) throws -> AuditEntry) throws -> Int64 {
        let cached = storage.state.withLock { $0.cached }
        let previous: Link, version: Int64
        if let cached, cached.transaction == context.transaction {
            previous = cached.link
            version = cached.dataVersion
        } else {
            version = try context.connection.dataVersion()
            if let cached, cached.dataVersion == version {
                previous = cached.link
            } else {
                previous = try Self.read(context.connection)
                storage.reads.add(1, ordering: .relaxed)
            }
        }
        let entry = try make(previous)
        let mark = storage.state.withLock { state -> Int in
            let mark = state.pending.count
            state.pending.append(entry)
            state.cached = Cached(link: Link(seq: entry.seq, hash: entry.hash), dataVersion: version,
                                  transaction: context.transaction)
            return mark
        }
        let storage = self.storage
        context.onRollback { storage.state.withLock { $0.rollBack(to: mark) } }
        context.beforeCommit(self, insertPendingWork)
        return entry.seq
    }

    /// Inserts the transaction's pending entries (before its COMMIT). Should the insert fail,
    /// the transaction rolls back and its rollback actions forget the head.
    private static func insertPending(_ storage: Storage, _ connection: SQLiteConnection) throws {
        let entries = storage.state.withLock { state -> [AuditEntry] in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        try AuditStore.insert(entries, connection)
    }

    /// The head as the table holds it, inside the current transaction.
    static func read(_ connection: SQLiteConnection) throws -> Link {
        let tail = try AuditStore.tail(connection)
        // Past the highest sequence ever used, so entries deleted from the end leave a visible gap.
        let seq = max(try AuditStore.highestSequence(connection), tail?.seq ?? 0)
        return Link(seq: seq, hash: tail?.hash ?? AuditChain.genesis)
    }
}
