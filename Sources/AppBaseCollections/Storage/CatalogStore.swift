import AppBaseCore
import AppBaseSQLite

/// SQL for the `collections` table and the admin-declared indexes.
enum CatalogStore {
    /// Inserts `definition` unless a collection of that name exists; true when inserted.
    static func insertIfAbsent(_ definition: CollectionDefinition, _ connection: SQLiteConnection) throws -> Bool {
        try connection.run(
            "INSERT OR IGNORE INTO collections (name, rules, indexes, created_at) VALUES (?, ?, ?, ?)",
            bindings(definition)) == 1
    }

    /// Replaces the stored rules and indexes of an existing collection.
    static func update(_ definition: CollectionDefinition, _ connection: SQLiteConnection) throws {
        try connection.run("UPDATE collections SET rules = ?, indexes = ? WHERE name = ?", [
            .text(CollectionDefinition.rulesJSON(definition.rules).jsonText), .text(definition.indexesJSON.jsonText),
            .text(definition.name),
        ])
    }

    /// Deletes a collection and all its records; false when it did not exist.
    static func delete(_ name: String, _ connection: SQLiteConnection) throws -> Bool {
        let removed = try connection.run("DELETE FROM collections WHERE name = ?", [.text(name)])
        try connection.run("DELETE FROM records WHERE collection = ?", [.text(name)])
        return removed == 1
    }

    /// One collection's stored definition.
    static func load(_ name: String, _ connection: SQLiteConnection) throws -> CollectionDefinition? {
        try loadRow(name, connection)?.decoded(name: name)
    }

    /// The collection's catalog row as stored, not yet decoded.
    static func loadRow(_ name: String, _ connection: SQLiteConnection) throws -> CatalogRow? {
        try connection.queryOne("SELECT rules, indexes, created_at FROM collections WHERE name = ?", [.text(name)]) { row in
            CatalogRow(rulesText: row.text(0), indexesText: row.text(1), createdAt: row.text(2))
        }
    }

    /// Record counts per collection (an index-only scan).
    static func counts(_ connection: SQLiteConnection) throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for (name, count) in try connection.query("SELECT collection, count(*) FROM records GROUP BY collection", row: {
            ($0.text(0), $0.int64(1))
        }) {
            counts[name] = count
        }
        return counts
    }

    /// Brings the managed `rx_*`/`rxu_*` indexes in line with `catalog`: creates the missing,
    /// drops those no collection needs any more. Runs inside the admin change's transaction,
    /// so a failing `CREATE UNIQUE INDEX` (duplicates) rolls the whole change back; and at start-up
    /// when `indexesInSync` says no, which rebuilds indexes of an older shape (ADR 0014).
    static func syncIndexes(with catalog: CollectionCatalog, _ connection: SQLiteConnection) throws {
        let wanted = wantedIndexes(catalog)
        let existing = try managedIndexes(connection)
        for name in existing where wanted[name] == nil {
            try connection.execute("DROP INDEX \"\(name)\"")
        }
        for (name, ddl) in wanted.sorted(by: { $0.key < $1.key }) where !existing.contains(name) {
            try connection.execute(ddl)
        }
    }

    /// Whether the managed indexes are exactly those `catalog` needs.
    static func indexesInSync(with catalog: CollectionCatalog, _ connection: SQLiteConnection) throws -> Bool {
        Set(wantedIndexes(catalog).keys) == Set(try managedIndexes(connection))
    }

    /// Name → DDL of every managed index the catalog's declarations and read rules call for.
    private static func wantedIndexes(_ catalog: CollectionCatalog) -> [String: String] {
        var wanted: [String: String] = [:]
        for definition in catalog.sorted {
            for index in definition.indexes {
                for physical in index.physicalIndexes(collection: definition.name, readRule: definition.rules.read) {
                    wanted[physical.name] = physical.ddl
                }
            }
        }
        return wanted
    }

    private static func managedIndexes(_ connection: SQLiteConnection) throws -> [String] {
        try connection.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'") { $0.text(0) }
            .filter(PhysicalIndex.isManaged)
    }

    private static func bindings(_ definition: CollectionDefinition) -> [SQLiteValue] {
        [.text(definition.name), .text(CollectionDefinition.rulesJSON(definition.rules).jsonText),
         .text(definition.indexesJSON.jsonText), .text(definition.createdAt)]
    }
}

/// A `collections` row as stored: its rules and indexes as JSON text.
struct CatalogRow: Equatable, Sendable {
    let rulesText: String
    let indexesText: String
    let createdAt: String

    /// The definition the row describes, or nil when its JSON does not decode.
    func decoded(name: String) -> CollectionDefinition? {
        CollectionDefinition.fromRow(name: name, rulesText: rulesText, indexesText: indexesText, createdAt: createdAt)
    }
}

/// A catalog row with the definition decoded from it (`CollectionRegistry`'s memo).
struct DecodedCatalogRow: Sendable {
    let row: CatalogRow
    let definition: CollectionDefinition
}
