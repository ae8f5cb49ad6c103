/// One versioned schema change. Versions start at 1 and increase by one.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies migrations in order, each in its own transaction, recording progress per
/// namespace in `_migrations`, so several services share one database and a database is
/// never left half-migrated.
public enum Migrator {
    /// Brings `namespace` in `connection` up to its last migration. Returns the versions applied.
    /// - Throws: `SQLiteError`, or `MigrationError` when the database is newer than this binary.
    @discardableResult
    public static func migrate(_ connection: SQLiteConnection, namespace: String, _ migrations: [Migration]) throws -> [Int] {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS _migrations (
                namespace TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
                PRIMARY KEY (namespace, version)) WITHOUT ROWID
            """)
        let current = Int(try connection.queryOne(
            "SELECT COALESCE(MAX(version), 0) FROM _migrations WHERE namespace = ?", [.text(namespace)]) { $0.int64(0) } ?? 0)
        let latest = migrations.map(\.version).max() ?? 0
        guard current <= latest else {
            throw MigrationError(path: connection.path, namespace: namespace, found: current, supported: latest)
        }
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > current {
            try connection.transaction(.immediate) {
                try connection.execute(migration.sql)
                try connection.run("INSERT INTO _migrations (namespace, version, name) VALUES (?, ?, ?)",
                                   [.text(namespace), .integer(Int64(migration.version)), .text(migration.name)])
            }
            applied.append(migration.version)
        }
        return applied
    }
}

/// The database was written by a newer AppBase.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let namespace: String
    public let found: Int
    public let supported: Int
    public var description: String {
        "\(path): schema \(namespace) is at version \(found), newer than this binary supports (\(supported)); upgrade AppBase"
    }
}
