import AppBaseSQLite

/// The `collections` namespace of the app database.
///
/// `records.data` holds the record's JSON object *without* the system fields, which live in
/// their own columns (the names `FilterCompiler` compiles to). Records are a rowid table: a
/// 1 MiB document would not belong in a `WITHOUT ROWID` b-tree. The two fixed indexes serve the
/// default listing (`-createdAt`) with and without the `owner` rule; indexes declared by admins
/// are added as `rx_*` / `rxu_*` expression indexes (see `IndexDefinition`).
enum CollectionSchema {
    static let migrations: [Migration] = [
        Migration(version: 1, name: "collections and records", sql: """
            CREATE TABLE collections (
                name TEXT PRIMARY KEY,
                rules TEXT NOT NULL,
                indexes TEXT NOT NULL DEFAULT '[]',
                created_at TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE records (
                collection TEXT NOT NULL,
                id TEXT NOT NULL,
                owner_id TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                version INTEGER NOT NULL,
                data TEXT NOT NULL,
                UNIQUE (collection, id)
            );
            CREATE INDEX records_by_created ON records (collection, created_at, id);
            CREATE INDEX records_by_owner_created ON records (collection, owner_id, created_at, id);
            """),
    ]
}
