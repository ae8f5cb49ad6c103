import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite

/// One app's audit log: appends inside the writer's transactions (the services' `AuditRecorder`),
/// pruning with checkpoints, and reads (pages, verification).
///
/// The chain's head (previous hash, highest sequence) is kept in memory on the writer thread
/// (`AuditChainHead`) with the entries the open transaction appended, which are inserted together
/// just before it commits. A write that rolls back in its savepoint takes its own entries back;
/// the head is read back from the table only when nothing of the transaction is left pending (a
/// failed group commit) or another connection committed — so the chain never points at an entry
/// that does not exist, and an append by another process is seen by the next one (ADR 0028).
public final class AuditLog: AuditRecorder {
    /// The `audit` namespace: `audit_log(seq, time, actor_kind, actor_user_id, actor_key_id,
    /// actor_admin_id, actor_ip, action, target, request_id, details, hash)`.
    public static let migrations = MigrationSet(namespace: "audit", migrations: AuditSchema.migrations)

    /// Rows one prune transaction deletes at most (each transaction leaves its own checkpoint).
    /// Writes queued behind a prune transaction wait for it, so it stays small: 1,000 rows, as
    /// for the change log (5,000-row change-log batches held commits 10–28 ms on a 2-core VM).
    public static let pruneBatchRows = 1_000

    public let isEnabled: Bool
    public let separateCommits: Bool
    private let writer: DatabaseWriter
    private let clock: any WallClock
    private let head = AuditChainHead()

    /// - Parameter mode: `off` turns appends into no-ops and `separate_commit` asks writers to
    ///   append after their commit (both for measurements, ADR 0028); pruning and reads work either way.
    public init(writer: DatabaseWriter, clock: any WallClock, mode: AuditSettings.Mode = .transaction) {
        self.writer = writer
        self.clock = clock
        self.isEnabled = mode != .off
        self.separateCommits = mode == .separateCommit
    }

    /// Appends `event` on a connection of the caller's own — the CLI's, changing an app's keys or
    /// dashboard admins with or without a running server — inside the transaction the caller has
    /// open (`BEGIN IMMEDIATE`: SQLite's lock serialises it with the server's writer), so the
    /// change and its entry commit together or not at all. The chain's head is read from the
    /// table; a running server's writer sees the commit (`PRAGMA data_version`) and reads its
    /// head again before its next append (ADR 0028).
    /// - Throws: SQLite errors (the caller's transaction then rolls back).
    public static func append(_ event: AuditEvent, onOwnConnection connection: SQLiteConnection) throws {
        try insertLinked(event, after: try AuditChainHead.read(connection), connection)
    }

    /// Inserts `event` as the entry after `previous`, hashed onto it.
    private static func insertLinked(_ event: AuditEvent, after previous: AuditChainHead.Link,
                                     _ connection: SQLiteConnection) throws {
        try AuditStore.insert([linked(event, after: previous)], connection)
    }

    /// `event` as the entry after `previous`: the next sequence, hashed onto the previous hash.
    private static func linked(_ event: AuditEvent, after previous: AuditChainHead.Link) -> AuditEntry {
        var entry = AuditEntry(seq: previous.seq + 1, event: event)
        entry.hash = AuditChain.hash(of: entry, previous: previous.hash)
        return entry
    }

    @discardableResult
    public func append(_ event: AuditEvent, in context: WriteContext) throws -> Int64? {
        guard isEnabled else { return nil }
        return try appendEntry(event, context)
    }

    /// How many appends had to read the chain's head back from the table: the first one, and the
    /// first after a rollback or after another connection committed (for tests).
    public var chainHeadReads: Int { head.reads }

    /// Appends `event` as the chain's next entry inside the open transaction of `context`
    /// (inserted with the transaction's other entries just before it commits).
    private func appendEntry(_ event: AuditEvent, _ context: WriteContext) throws -> Int64 {
        try head.append(in: context) { previous in Self.linked(event, after: previous) }
    }

    /// Deletes the entries older than `cutoff` (milliseconds since the epoch), oldest first, in
    /// transactions of at most `pruneBatchRows`; each transaction first appends a checkpoint entry
    /// carrying the sequence and hash it cuts at, so the remaining chain still verifies. The
    /// newest entry is always a checkpoint or younger than `cutoff`, so the log is never empty
    /// after a prune that deleted something. Returns how many entries were deleted.
    ///
    /// Safe to call from any task (a maintenance job): it only goes through the app's writer.
    @discardableResult
    public func prune(before cutoff: Int64) async throws -> Int {
        var deleted = 0
        let batch = Int64(Self.pruneBatchRows)
        let now = clock.nowMilliseconds()
        while true {
            let removed = try await writer.write { [self] write in
                try pruneOldest(before: cutoff, batch: batch, now: now, write)
            }
            deleted += Int(removed)
            if removed < batch { return deleted }
        }
    }

    /// Inside a write: the oldest run of entries older than `cutoff` (at most `batch`), cut after
    /// appending the checkpoint that names the last of them. Returns how many were deleted.
    private func pruneOldest(before cutoff: Int64, batch: Int64, now: Int64, _ context: WriteContext) throws -> Int64 {
        let connection = context.connection
        var count: Int64 = 0
        var cut: (seq: Int64, hash: String)?
        try connection.withStatement("SELECT seq, time, hash FROM audit_log ORDER BY seq LIMIT ?") { row in
            row.bind([.integer(batch)])
            // Stops at the first entry young enough: entries are cut only from the oldest end.
            while try row.step(), row.int64(1) < cutoff {
                cut = (row.int64(0), row.text(2))
                count += 1
            }
        }
        guard let cut else { return 0 }
        // The event's app is not stored (the log is the app's own).
        let checkpoint = AuditEvent(app: "", time: now, actor: .system, action: AuditEntry.checkpointAction,
                                    details: [AuditCheckpoint.cutSeqKey: String(cut.seq), AuditCheckpoint.cutHashKey: cut.hash,
                                              "deleted": String(count), "before": Timestamp.rfc3339(milliseconds: cutoff)])
        _ = try appendEntry(checkpoint, context)
        // Never the head: the checkpoint just appended is newer than every entry cut.
        try connection.run("DELETE FROM audit_log WHERE seq <= ?", [.integer(cut.seq)])
        return count
    }
}
