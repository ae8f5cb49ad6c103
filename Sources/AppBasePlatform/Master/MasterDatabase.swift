import AppBaseCore
import AppBaseSQLite

/// `data/master.sqlite`: the app registry and port assignments, owned by the root supervisor.
enum MasterDatabase {
    static let migrations = [
        Migration(version: 1, name: "apps", sql: """
            CREATE TABLE apps (
                name TEXT PRIMARY KEY,
                port INTEGER NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                last_started_at TEXT
            );
            """),
    ]

    /// The pragmas every AppBase database is opened with (see docs/adr/0004-sqlite-durability.md).
    static let writerPragmas = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = 5000",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA wal_autocheckpoint = 4000",
    ]

    static let readerPragmas = [
        "PRAGMA busy_timeout = 5000",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA cache_size = -16000",
    ]

    static func open(path: String) async throws -> DatabaseWriter {
        try await DatabaseWriter.open(path: path, pragmas: writerPragmas, migrations: [("master", migrations)])
    }
}
