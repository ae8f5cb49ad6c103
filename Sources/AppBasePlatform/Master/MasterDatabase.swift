import AppBaseCore
import AppBaseJobs
import AppBaseSQLite

/// `data/master.sqlite`: port assignments (and ports in their grace period), the apps created
/// through the control plane, the master keys, and the master's job queue (namespace `jobs`);
/// owned by the root supervisor.
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
        // Ports of deleted apps wait out `[ports] reclaim_grace_seconds` here before reuse;
        // apps created through the control plane persist here (the config file names the rest);
        // master keys authenticate the control plane (stored as SHA-256, like app keys).
        Migration(version: 2, name: "control plane", sql: """
            CREATE TABLE port_grace (
                port INTEGER PRIMARY KEY,
                app TEXT NOT NULL,
                released_at INTEGER NOT NULL
            );
            CREATE TABLE api_apps (
                name TEXT PRIMARY KEY,
                port INTEGER,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE master_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                key_hash BLOB NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER
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
        try await DatabaseWriter.open(path: path, pragmas: writerPragmas,
                                    migrations: [("master", migrations), (BackupCatalog.namespace, BackupCatalog.migrations),
                                                 (JobSchema.namespace, JobSchema.migrations)])
    }
}
