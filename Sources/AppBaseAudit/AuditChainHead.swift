import AppBaseSQLite
import Synchronization

/// Where the next entry links in: the chain's newest hash and the highest sequence used so far,
/// as the writer's connection sees them, kept in memory so an append need not read them back
/// from the table (ADR 0028).
///
/// The head is trusted only while it provably matches the table:
/// - every append registers `WriteContext.onRollback`, so a write that rolls back — in its
///   savepoint, or with its whole group commit — makes the head be forgotten;
/// - it remembers the connection's `PRAGMA data_version`, which changes when another connection
///   commits (the `sqlite3` shell, another process): the next append then reads the table again.
///
/// Forgotten or stale, the head is read again inside the current transaction — which is what
/// every append did before the head was kept. Every change to `audit_log` on the writer's
/// connection goes through `AuditLog` (appends, and pruning, which never deletes the head).
///
/// Only the app's writer thread touches it (appends run inside `DatabaseWriter.write`); the
/// lock is never contended and is there to make the class `Sendable`.
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

    /// Boxed apart from `self` so the rollback action can reach it without a reference cycle.
    private final class Storage: Sendable {
        let cached = Mutex<Cached?>(nil)
        let reads = Atomic<Int>(0)
    }

    private let storage: Storage
    /// Registered with every appending write; built once, so no closure is allocated per append.
    private let forget: @Sendable () -> Void

    init() {
        let storage = Storage()
        self.storage = storage
        forget = { storage.cached.withLock { $0 = nil } }
    }

    /// How many appends had to read the head from the table (the first, and the first after a
    /// rollback or another connection's commit).
    var reads: Int { storage.reads.load(ordering: .relaxed) }

    /// Appends one entry inside the open transaction of `context`: `insert` gets the link the
    /// entry follows and returns the new entry's sequence and hash, which become the head.
    /// If `insert` throws, the head is forgotten (the statement may have done part of its work).
    func append(in context: WriteContext, _ insert: (Link) throws -> Link) throws -> Int64 {
        let cached = storage.cached.withLock { $0 }
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
        // Forgotten first: from here until the new head is stored, the table may be ahead of it.
        storage.cached.withLock { $0 = nil }
        let next = try insert(previous)
        storage.cached.withLock { $0 = Cached(link: next, dataVersion: version, transaction: context.transaction) }
        context.onRollback(forget)
        return next.seq
    }

    /// The head as the table holds it, inside the current transaction.
    static func read(_ connection: SQLiteConnection) throws -> Link {
        let tail = try AuditStore.tail(connection)
        // Past the highest sequence ever used, so entries deleted from the end leave a visible gap.
        let seq = max(try AuditStore.highestSequence(connection), tail?.seq ?? 0)
        return Link(seq: seq, hash: tail?.hash ?? AuditChain.genesis)
    }
}
