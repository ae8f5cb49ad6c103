import AppBaseCore
import AppBaseSQLite
import Synchronization

/// Holds the published catalog and answers "which rules apply here?" for handlers (from the
/// snapshot, no hop) and for write transactions (creating collections implicitly).
///
/// Invariant: the snapshot only changes in `afterCommit` actions, which the writer runs in
/// commit order, so it never shows a catalog change that did not commit.
final class CollectionRegistry: Sendable {
    let snapshot = SnapshotCell(CollectionCatalog())
    /// Names of collections whose read rule changed or that were deleted (for live streams).
    let ruleChanges = Broadcast<String>(bufferingNewest: 64)
    private let implicitCollections: Bool
    /// Catalog rows already decoded, by collection: a write re-reads its collection's row (the
    /// snapshot may lag behind its own group commit) but parses its JSON only when it changed.
    private let decodedRows = Mutex<[String: DecodedCatalogRow]>([:])

    init(implicitCollections: Bool) {
        self.implicitCollections = implicitCollections
    }

    /// The collection's definition, or nil when it does not exist (yet).
    func definition(_ name: String) -> CollectionDefinition? { snapshot.value[name] }

    /// The rules a request is checked against: the collection's, or the defaults for a collection
    /// that a first write would create.
    /// - Throws: 404 `not_found` for an unknown collection when implicit creation is off.
    func rules(for name: String) throws(AppBaseError) -> AccessRules {
        if let definition = definition(name) { return definition.rules }
        guard implicitCollections else { throw AppBaseError.notFound("Collection \(name) does not exist.") }
        return .defaults
    }

    /// Inside a write transaction: the rules the write is checked against, read from the
    /// database (not the snapshot, which lags behind earlier jobs of the same group commit).
    /// - Throws: 404 for an unknown collection when implicit creation is off; `SQLiteError`.
    func rules(for name: String, in context: WriteContext) throws -> AccessRules {
        if let definition = try load(name, context.connection) { return definition.rules }
        guard implicitCollections else { throw AppBaseError.notFound("Collection \(name) does not exist.") }
        return .defaults
    }

    /// Inside a write transaction: the collection's definition, creating it with the default
    /// rules when it is unknown and implicit creation is on. Read from the database, so a
    /// deletion or rule change by an earlier job of the same group commit is seen.
    /// - Throws: 404 when it is unknown and implicit creation is off; `SQLiteError`.
    func ensure(_ name: String, in context: WriteContext, now: String) throws -> CollectionDefinition {
        if let definition = try load(name, context.connection) { return definition }
        guard implicitCollections else { throw AppBaseError.notFound("Collection \(name) does not exist.") }
        let created = CollectionDefinition(name: name, rules: .defaults, indexes: [], createdAt: now)
        if try CatalogStore.insertIfAbsent(created, context.connection) {
            context.afterCommit { [snapshot] in
                snapshot.update { catalog in
                    if catalog[name] == nil { catalog[name] = created }
                }
            }
            return created
        }
        // Created by an earlier write of this same group transaction: its row is authoritative.
        return try load(name, context.connection) ?? created
    }

    /// `CatalogStore.load`, decoding the row's JSON only when its text differs from the last
    /// decoded row of that collection (the row is still read inside the transaction every time).
    private func load(_ name: String, _ connection: SQLiteConnection) throws -> CollectionDefinition? {
        guard let row = try CatalogStore.loadRow(name, connection) else { return nil }
        if let cached = decodedRows.withLock({ $0[name] }), cached.row == row { return cached.definition }
        guard let definition = row.decoded(name: name) else { return nil }
        decodedRows.withLock { rows in
            // Bounded by the collections that exist; a deleted one's entry is replaced if it returns.
            if rows.count >= 4_096 { rows.removeAll() }
            rows[name] = DecodedCatalogRow(row: row, definition: definition)
        }
        return definition
    }

    /// After a committed catalog change: publishes `catalog` (read inside that transaction, so
    /// it includes every earlier change) and signals the collections whose read rule changed.
    func publish(_ catalog: CollectionCatalog, readRuleChanged: [String]) {
        snapshot.publish(catalog)
        for name in readRuleChanged { ruleChanges.send(name) }
    }
}
