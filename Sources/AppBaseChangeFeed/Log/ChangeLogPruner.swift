import AppBaseCore
import AppBaseSQLite
import Synchronization

/// Keeps the change log within its bounds (count, age, bytes) by deleting its oldest entries,
/// through the app's writer, in bounded transactions. The newest entry is never deleted, so
/// `max(seq)` stays the current sequence.
///
/// Totals are kept in memory (read once at start, then adjusted after each commit) so pruning
/// never scans the log to learn its size, and so `mayHaveWork` can tell, without the database,
/// that a run would delete nothing.
final class ChangeLogPruner: Sendable {
    /// Entries and bytes in the log, and when its oldest entry was written (nil when empty).
    private struct Totals {
        var count: Int64 = 0
        var bytes: Int64 = 0
        var oldest: Int64?
    }

    private let totals = Mutex(Totals())
    private let settings: ChangeFeedSettings

    init(settings: ChangeFeedSettings) { self.settings = settings }

    /// Sets the totals from the database.
    func load(count: Int64, bytes: Int64, oldest: Int64?) {
        totals.withLock { $0 = Totals(count: count, bytes: bytes, oldest: count > 0 ? oldest : nil) }
    }

    /// After a commit that appended an entry of `bytes` written at `createdAt`.
    func added(bytes: Int64, createdAt: Int64) {
        totals.withLock { totals in
            totals.count += 1
            totals.bytes += bytes
            if totals.oldest == nil { totals.oldest = createdAt }
        }
    }

    /// Entries and bytes in the log, as far as this process knows.
    var current: (count: Int64, bytes: Int64) { totals.withLock { ($0.count, $0.bytes) } }

    /// False when `prune` at `nowMilliseconds` would delete nothing: at most one entry (the newest
    /// is kept), within the count and byte bounds, and the oldest entry younger than the age bound.
    func mayHaveWork(nowMilliseconds: Int64) -> Bool {
        let totals = totals.withLock { $0 }
        guard totals.count > 1 else { return false }
        if totals.count > Int64(settings.maxEvents) || totals.bytes > settings.maxBytes { return true }
        guard let oldest = totals.oldest else { return true }
        return oldest < nowMilliseconds - settings.maxAgeSeconds * 1000
    }

    /// Deletes entries beyond the bounds; returns how many.
    func prune(writer: DatabaseWriter, nowMilliseconds: Int64) async throws -> Int {
        var deleted = 0
        while true {
            let (count, bytes) = current
            // The newest entry stays: with one entry or none there is nothing to delete, and the
            // app's writer thread is not woken for nothing (an idle app holds none, ADR 0024).
            guard count > 1 else { return deleted }
            let excessCount = max(0, count - Int64(settings.maxEvents))
            let excessBytes = max(0, bytes - settings.maxBytes)
            let cutoff = nowMilliseconds - settings.maxAgeSeconds * 1000
            let batch = Int64(settings.pruneBatchRows)
            let removed = try await writer.write { write in
                try Self.deleteOldest(write.connection, excessCount: excessCount, excessBytes: excessBytes,
                                      cutoff: cutoff, batch: batch)
            }
            totals.withLock { totals in
                totals.count -= removed.count
                totals.bytes -= removed.bytes
                totals.oldest = totals.count > 0 ? removed.oldest : nil
            }
            guard removed.count > 0 else { return deleted }
            deleted += Int(removed.count)
            if removed.count < batch { return deleted }
        }
    }

    /// Inside a write: walks the oldest entries while any bound is exceeded (at most `batch`,
    /// never the newest) and deletes them with one range delete.
    /// Also returns when the oldest entry left was written.
    private static func deleteOldest(_ connection: SQLiteConnection, excessCount: Int64, excessBytes: Int64,
                                     cutoff: Int64, batch: Int64) throws -> (count: Int64, bytes: Int64, oldest: Int64?) {
        let head = try connection.queryOne("SELECT max(seq) FROM change_log") { $0.isNull(0) ? 0 : $0.int64(0) } ?? 0
        var count: Int64 = 0, bytes: Int64 = 0, through: Int64 = 0
        try connection.withStatement("SELECT seq, size, created_at FROM change_log WHERE seq < ? ORDER BY seq LIMIT ?") { row in
            row.bind([.integer(head), .integer(batch)])
            while try row.step() {
                guard count < excessCount || bytes < excessBytes || row.int64(2) < cutoff else { break }
                through = row.int64(0)
                count += 1
                bytes += row.int64(1)
            }
        }
        if count > 0 { try connection.run("DELETE FROM change_log WHERE seq <= ?", [.integer(through)]) }
        return (count, bytes, try ChangeLog.oldestCreatedAt(connection))
    }
}
