import AppBaseSQLite

/// SQL over `audit_log`. Appends run inside the writer's transaction; reads on reader threads
/// (or on the CLI's own read-only connection).
enum AuditStore {
    static let columns = """
        seq, time, actor_kind, actor_user_id, actor_key_id, actor_admin_id, actor_ip, action, target, request_id, details, hash
        """

    /// The newest entry's sequence and hash, nil while the log is empty.
    static func tail(_ connection: SQLiteConnection) throws -> (seq: Int64, hash: String)? {
        try connection.queryOne("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") { ($0.int64(0), $0.text(1)) }
    }

    /// The highest sequence ever written (kept by SQLite for `AUTOINCREMENT`, also after deletes).
    static func highestSequence(_ connection: SQLiteConnection) throws -> Int64 {
        try connection.queryOne("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") { $0.int64(0) } ?? 0
    }

    /// Inserts `entries` (in sequence order) with as few statements as their count allows:
    /// multi-row INSERTs of 32, 16, 8, 4, 2 and 1 rows, each prepared once and cached (one
    /// statement per row cost each entry a third more, ADR 0028). The texts of a statement's rows
    /// are laid out in one buffer and bound without copies (a copy cost each of them a `malloc`).
    static func insert(_ entries: [AuditEntry], _ connection: SQLiteConnection) throws {
        var start = entries.startIndex
        var texts = AuditRowTexts()
        while start < entries.endIndex {
            let remaining = entries.endIndex - start
            // The last statement inserts one row: some statement always fits.
            guard let (rows, sql) = insertStatements.first(where: { $0.rows <= remaining }) else {
                throw SQLiteError(code: 1, message: "no audit insert statement for \(remaining) rows")
            }
            let chunk = entries[start..<(start + rows)]
            texts.reset()
            for entry in chunk { texts.add(entry) }
            try connection.withStatement(sql) { statement in
                try texts.withBytes { bytes in
                    for (offset, entry) in chunk.enumerated() {
                        let base = Int32(offset * columnCount)
                        statement.bind(.integer(entry.seq), at: base + 1)
                        statement.bind(.integer(entry.time), at: base + 2)
                    }
                    for (slot, span) in texts.spans.enumerated() {
                        let row = slot / AuditRowTexts.perRow, column = slot % AuditRowTexts.perRow
                        let index = Int32(row * columnCount + 3 + column)
                        if let span {
                            statement.bindTextWithoutCopy(UnsafeRawBufferPointer(rebasing: bytes[span]), at: index)
                        } else {
                            statement.bind(.null, at: index)
                        }
                    }
                    while try statement.step() {}
                }
            }
            start += rows
        }
    }

    private static let columnCount = 12
    /// The INSERTs of 32, 16, 8, 4, 2 and 1 rows, largest first.
    private static let insertStatements: [(rows: Int, sql: String)] = [32, 16, 8, 4, 2, 1].map { rows in
        let row = "(" + Array(repeating: "?", count: columnCount).joined(separator: ", ") + ")"
        return (rows, "INSERT INTO audit_log (\(columns)) VALUES " + Array(repeating: row, count: rows).joined(separator: ", "))
    }

    /// The entry in the current row of a statement that selected `columns`; nil when its details
    /// are not a JSON object of strings (only a hand-edited row).
    static func entry(_ row: SQLiteStatement) -> AuditEntry? {
        guard let details = AuditEntry.details(from: row.text(10)) else { return nil }
        return AuditEntry(seq: row.int64(0), time: row.int64(1), actorKind: row.text(2), userID: row.optionalText(3),
                          keyID: row.optionalText(4), adminID: row.optionalText(5), ip: row.optionalText(6),
                          action: row.text(7), target: row.optionalText(8), requestID: row.optionalText(9),
                          details: details, hash: row.text(11))
    }

    /// The checkpoint entries, newest first, as (their seq, their time, the seq and hash they cut at).
    static func checkpoints(_ connection: SQLiteConnection) throws -> [AuditCheckpoint] {
        try connection.query("""
            SELECT seq, time, details FROM audit_log WHERE action = ? AND \(AuditSchema.otherActions) ORDER BY seq DESC
            """, [.text(AuditEntry.checkpointAction)]) { row -> AuditCheckpoint? in
            guard let details = AuditEntry.details(from: row.text(2)), let cutText = details[AuditCheckpoint.cutSeqKey],
                  let cut = Int64(cutText), let hash = details[AuditCheckpoint.cutHashKey] else { return nil }
            return AuditCheckpoint(seq: row.int64(0), time: row.int64(1), cutSeq: cut, cutHash: hash)
        }.compactMap { $0 }
    }
}

/// The text columns of the rows one audit INSERT binds (`actor_kind` … `hash`, the order of
/// `AuditStore.columns` after `seq, time`), laid out back to back in one buffer: one allocation
/// per statement instead of one per text.
private struct AuditRowTexts {
    static let perRow = 10
    private(set) var bytes: [UInt8] = []
    /// Per row, per text column: its range in `bytes`, nil for NULL.
    private(set) var spans: [Range<Int>?] = []

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
    }

    mutating func add(_ entry: AuditEntry) {
        append(entry.actorKind)
        append(entry.userID)
        append(entry.keyID)
        append(entry.adminID)
        append(entry.ip)
        append(entry.action)
        append(entry.target)
        append(entry.requestID)
        append(entry.detailsText)
        append(entry.hash)
    }

    private mutating func append(_ text: String?) {
        guard let text else {
            spans.append(nil)
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        spans.append(start..<bytes.count)
    }

    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes(body)
    }
}

/// What a checkpoint entry records: pruning deleted every entry up to `cutSeq`, the last of which
/// had hash `cutHash` — the "previous hash" of the oldest entry that remains.
public struct AuditCheckpoint: Sendable, Hashable {
    /// The checkpoint entry's own sequence and time.
    public var seq: Int64
    public var time: Int64
    public var cutSeq: Int64
    public var cutHash: String

    static let cutSeqKey = "cutSeq"
    static let cutHashKey = "cutHash"
}
