import AppBaseSQLite

/// The `audit` namespace of the app database: the append-only, hash-chained audit log.
///
/// `seq` is `AUTOINCREMENT` so a sequence is never reused: `sqlite_sequence` remembers the highest
/// ever written, which lets `verify` notice entries deleted from the end of the log. `time` is
/// milliseconds since the epoch; `details` a JSON object of strings with sorted keys; `hash` the
/// lowercase hex SHA-256 of the entry's canonical encoding (`AuditChain`). Rows are only ever
/// inserted, and deleted from the oldest end by pruning (which leaves a checkpoint entry).
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
    ]
}
