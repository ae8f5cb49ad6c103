import AppBaseCore
import AppBaseSQLite

/// Every backup made of an app or the master — by the control plane, the CLI or a schedule —
/// recorded in `master.sqlite` (migration namespace `backups`), so the list, the status and an
/// app's `lastBackup` survive restarts and include backups the CLI made.
enum BackupCatalog {
    static let namespace = "backups"
    static let migrations = [
        Migration(version: 1, name: "backups", sql: """
            CREATE TABLE backups (
                id TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                origin TEXT NOT NULL,
                state TEXT NOT NULL,
                path TEXT,
                size INTEGER,
                files INTEGER,
                error TEXT,
                started_at INTEGER NOT NULL,
                finished_at INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX backups_by_app ON backups (app, started_at);
            """),
    ]

    /// One backup: `running`, then `done` (with size and file count) or `failed` (with the error).
    struct Record: Sendable, Equatable {
        enum State: String, Sendable { case running, done, failed }
        let id: String
        let app: String
        /// `api`, `cli` or `schedule`.
        let origin: String
        var state: State
        var path: String?
        var size: Int64?
        var files: Int64?
        var error: String?
        let startedAt: Int64
        var finishedAt: Int64?

        /// The JSON the control plane answers with (docs/API-SPEC.md, Backup).
        var json: JSONValue {
            [
                "id": .string(id), "app": .string(app), "origin": .string(origin), "state": .string(state.rawValue),
                "size": size.map(JSONValue.int) ?? .null, "files": files.map(JSONValue.int) ?? .null,
                "error": error.map(JSONValue.string) ?? .null,
                "startedAt": .string(Timestamp.rfc3339(milliseconds: startedAt)),
                "finishedAt": finishedAt.map { .string(Timestamp.rfc3339(milliseconds: $0)) } ?? .null,
            ]
        }
    }

    static let columns = "id, app, origin, state, path, size, files, error, started_at, finished_at"

    static func insert(_ record: Record, into database: DatabaseWriter) async throws {
        try await database.write { context in
            try context.connection.run("INSERT INTO backups (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", bindings(record))
        }
    }

    static func update(_ record: Record, in database: DatabaseWriter) async throws {
        try await database.write { context in
            try context.connection.run("""
                UPDATE backups SET state = ?, path = ?, size = ?, files = ?, error = ?, finished_at = ? WHERE id = ?
                """, [.text(record.state.rawValue), optional(record.path), optional(record.size), optional(record.files),
                      optional(record.error), optional(record.finishedAt), .text(record.id)])
        }
    }

    /// Forgets a backup (its archive was deleted by a schedule's `keep`).
    static func delete(id: String, in database: DatabaseWriter) async throws {
        try await database.write { context in try context.connection.run("DELETE FROM backups WHERE id = ?", [.text(id)]) }
    }

    /// An app's backups, newest first (at most `limit`).
    static func list(app: String, limit: Int, in database: DatabaseWriter) async throws -> [Record] {
        try await database.withConnection { connection in
            try connection.query("SELECT \(columns) FROM backups WHERE app = ? ORDER BY started_at DESC, id DESC LIMIT ?",
                                 [.text(app), .integer(Int64(limit))], row: record)
        }
    }

    static func find(id: String, app: String, in database: DatabaseWriter) async throws -> Record? {
        try await database.withConnection { connection in
            try connection.queryOne("SELECT \(columns) FROM backups WHERE id = ? AND app = ?", [.text(id), .text(app)], row: record)
        }
    }

    /// The newest backup of each app.
    static func latest(in database: DatabaseWriter) async throws -> [String: Record] {
        let rows = try await database.withConnection { connection in
            try connection.query("""
                SELECT \(columns) FROM backups AS b WHERE id = (
                    SELECT id FROM backups WHERE app = b.app ORDER BY started_at DESC, id DESC LIMIT 1)
                """, row: record)
        }
        return Dictionary(rows.map { ($0.app, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Marks backups left `running` by a process that ended as failed (at server start).
    static func failInterrupted(at millis: Int64, in database: DatabaseWriter) async throws {
        try await database.write { context in
            try context.connection.run("""
                UPDATE backups SET state = 'failed', error = 'interrupted: the process ended during the backup',
                finished_at = ? WHERE state = 'running' AND origin != 'cli'
                """, [.integer(millis)])
        }
    }

    private static func record(_ row: SQLiteStatement) -> Record {
        Record(id: row.text(0), app: row.text(1), origin: row.text(2), state: Record.State(rawValue: row.text(3)) ?? .failed,
               path: row.optionalText(4), size: row.isNull(5) ? nil : row.int64(5), files: row.isNull(6) ? nil : row.int64(6),
               error: row.optionalText(7), startedAt: row.int64(8), finishedAt: row.isNull(9) ? nil : row.int64(9))
    }

    private static func bindings(_ record: Record) -> [SQLiteValue] {
        [.text(record.id), .text(record.app), .text(record.origin), .text(record.state.rawValue), optional(record.path),
         optional(record.size), optional(record.files), optional(record.error), .integer(record.startedAt),
         optional(record.finishedAt)]
    }

    private static func optional(_ text: String?) -> SQLiteValue { text.map(SQLiteValue.text) ?? .null }
    private static func optional(_ number: Int64?) -> SQLiteValue { number.map(SQLiteValue.integer) ?? .null }
}
