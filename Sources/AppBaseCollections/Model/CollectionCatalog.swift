import AppBaseCore
import AppBaseSQLite

/// Every collection of one app, as an immutable value. The service publishes a new one after
/// each committed catalog change; request handlers read it without a hop.
struct CollectionCatalog: Sendable {
    private(set) var definitions: [String: CollectionDefinition] = [:]

    init(_ definitions: [CollectionDefinition] = []) {
        for definition in definitions { self.definitions[definition.name] = definition }
    }

    subscript(name: String) -> CollectionDefinition? {
        get { definitions[name] }
        set { definitions[name] = newValue }
    }

    /// All definitions, by name.
    var sorted: [CollectionDefinition] { definitions.values.sorted { $0.name < $1.name } }

    /// Reads the whole catalog (rows whose JSON no longer parses are skipped, not fatal).
    static func load(_ connection: SQLiteConnection) throws -> CollectionCatalog {
        let rows = try connection.query("SELECT name, rules, indexes, created_at FROM collections") { row in
            CollectionDefinition.fromRow(name: row.text(0), rulesText: row.text(1), indexesText: row.text(2),
                                         createdAt: row.text(3))
        }
        return CollectionCatalog(rows.compactMap { $0 })
    }
}
