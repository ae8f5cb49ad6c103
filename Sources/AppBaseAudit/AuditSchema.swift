import AppBaseSQLite

/// The `audit` namespace of the app database: the append-only, hash-chained audit log.
///
/// `seq` is `AUTOINCREMENT` so a sequence is never reused: `sqlite_sequence` remembers the highest
/// ever written, which lets `verify` notice entries deleted from the end of the log. `time` is
/// milliseconds since the epoch; `details` a JSON object of strings with sorted keys; `hash` the
/// lowercase hex SHA-256 of the entry's canonical encoding (`AuditChain`). Rows are only ever
/// inserted, and deleted from the oldest end by pruning (which leaves a checkpoint entry).
/// Indexes: `target` (every entry), and `action` for every entry but record writes (partial).
enum AuditSchema {
    static let migrations: [Migration] = [
        Migration(version: 1, name: "audit log", sql: """
            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                time INTEGER NOT NULL,
                actor_kind TEXT NOT NULL,
                actor_user_id TEXT,
                actor_key_id TEXT,
                actor_admin_id TEXT,
                actor_ip TEXT,
                action TEXT NOT NULL,
                target TEXT,
                request_id TEXT,
                details TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE INDEX audit_log_action ON audit_log(action);
            CREATE INDEX audit_log_target ON audit_log(target);
            """),
        // Record writes are the bulk of the log and are found by their target (`collection/id`);
        // indexing their action too cost every record write a B-tree insert (ADR 0028). The
        // condition must stay word for word `otherActions`: SQLite uses a partial index only for a
        // query that repeats its WHERE term.
        Migration(version: 2, name: "action index without record writes", sql: """
            DROP INDEX audit_log_action;
            CREATE INDEX audit_log_other_actions ON audit_log(action) WHERE action NOT GLOB 'record.*';
            """),
    ]

    /// The condition of the partial index `audit_log_other_actions` (migration 2), to be added to
    /// a query whose action filter cannot match a record action, so SQLite may use that index.
    static let otherActions = "action NOT GLOB 'record.*'"

    /// Whether every action `filter` matches lies outside record writes (`record.…`), so a query
    /// may add `otherActions` without changing its result. `filter` is an exact action, or a
    /// prefix ending in `.`: only `record.` itself and the texts starting with it reach a record action.
    static func excludesRecordActions(_ filter: String) -> Bool { !filter.hasPrefix("record.") }
}
