import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite

/// Where the log stands: `head` is the newest sequence (0 when nothing was ever logged);
/// every change after `horizon` is still in the log, so a client at `horizon ≤ since ≤ head`
/// can resume exactly.
struct LogPosition: Sendable, Equatable {
    var horizon: Int64
    var head: Int64
}

/// SQL over `change_log`. Writes run inside the writer's transaction; reads on reader threads.
enum ChangeLog {
    /// The bytes an entry accounts for in the size bound.
    static func size(of change: RecordChange) -> Int64 {
        Int64((change.oldImage?.count ?? 0) + (change.newImage?.count ?? 0) + change.collection.utf8.count
            + change.recordID.utf8.count + (change.ownerID?.utf8.count ?? 0) + 32)
    }

    /// Appends `change`; returns its sequence (the row's rowid).
    static func append(_ change: RecordChange, createdAt: Int64, size: Int64, _ connection: SQLiteConnection) throws -> Int64 {
        try connection.withStatement("""
            INSERT INTO change_log (collection, record_id, owner_id, action, created_at, size, old_image, new_image)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """) { statement in
            statement.bind([.text(change.collection), .text(change.recordID), change.ownerID.map(SQLiteValue.text) ?? .null,
                            .text(change.action.rawValue), .integer(createdAt), .integer(size)])
            if let image = change.oldImage { statement.bindText(bytes: image, at: 7) } else { statement.bind(.null, at: 7) }
            if let image = change.newImage { statement.bindText(bytes: image, at: 8) } else { statement.bind(.null, at: 8) }
            while try statement.step() {}
        }
        return connection.lastInsertRowID
    }

    /// The log's current position (two O(log n) lookups on the rowid).
    static func position(_ connection: SQLiteConnection) throws -> LogPosition {
        let head = try connection.queryOne("SELECT max(seq) FROM change_log") { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
        let oldest = try connection.queryOne("SELECT min(seq) FROM change_log") { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
        let current = head ?? 0
        return LogPosition(horizon: oldest.map { $0 - 1 } ?? current, head: current)
    }

    /// Up to `limit` entries of `collection` after `seq`, in order, with the position read in the
    /// same transaction (so a prune between two pages is detected, never silently skipped).
    /// The scan walks the rowid range and reads only the leading columns of other collections' rows.
    static func page(of collection: String, after seq: Int64, limit: Int,
                     _ connection: SQLiteConnection) throws -> (LogPosition, [ChangeEvent]) {
        try connection.transaction {
            let position = try position(connection)
            let events = try connection.query("""
                SELECT seq, collection, record_id, owner_id, action, old_image, new_image
                FROM change_log WHERE seq > ? AND collection = ? ORDER BY seq LIMIT ?
                """, [.integer(seq), .text(collection), .integer(Int64(limit))]) { row -> ChangeEvent? in
                guard let action = RecordAction(rawValue: row.text(4)) else { return nil }
                return ChangeEvent(seq: row.int64(0), collection: row.text(1), recordID: row.text(2), ownerID: row.optionalText(3),
                                   action: action, oldImage: row.isNull(5) ? nil : bytes(row, 5),
                                   newImage: row.isNull(6) ? nil : bytes(row, 6))
            }
            return (position, events.compactMap { $0 })
        }
    }

    /// The newest `rules_changed` marker of `collection` after `seq`, nil when there is none.
    /// Entries before it were written under another read rule: a resume skips them.
    static func latestRulesChange(of collection: String, after seq: Int64, _ connection: SQLiteConnection) throws -> Int64? {
        try connection.queryOne("SELECT max(seq) FROM change_log WHERE seq > ? AND collection = ? AND action = ?",
                                [.integer(seq), .text(collection), .text(RecordAction.rulesChanged.rawValue)]) {
            $0.isNull(0) ? nil : $0.int64(0)
        } ?? nil
    }

    /// The drop markers of `collection` after `seq`, in order, each with the read rule the
    /// collection had until then (nil when the marker records none).
    static func drops(of collection: String, after seq: Int64, _ connection: SQLiteConnection) throws -> [DropMarker] {
        try connection.query("SELECT seq, old_image FROM change_log WHERE seq > ? AND collection = ? AND action = ? ORDER BY seq",
                             [.integer(seq), .text(collection), .text(RecordAction.drop.rawValue)]) { row in
            DropMarker(seq: row.int64(0), readRule: RecordChange.droppedReadRule(from: row.isNull(1) ? nil : bytes(row, 1)))
        }
    }

    /// Entry count and bytes (once, at start; afterwards kept in memory).
    static func totals(_ connection: SQLiteConnection) throws -> (count: Int64, bytes: Int64) {
        try connection.queryOne("SELECT count(*), coalesce(sum(size), 0) FROM change_log") { ($0.int64(0), $0.int64(1)) } ?? (0, 0)
    }

    /// When the oldest entry was written; nil when the log is empty. One step down the seq index.
    static func oldestCreatedAt(_ connection: SQLiteConnection) throws -> Int64? {
        try connection.queryOne("SELECT created_at FROM change_log ORDER BY seq LIMIT 1") { $0.int64(0) }
    }

    private static func bytes(_ row: SQLiteStatement, _ column: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        row.appendText(column, to: &bytes)
        return bytes
    }
}
