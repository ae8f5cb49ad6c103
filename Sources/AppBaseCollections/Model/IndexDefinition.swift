import AppBaseCore
import AppBaseQuery
import OrderedCollections

/// One index an admin declared on a collection: JSON paths (or system fields) in order, and
/// whether their combination must be unique within the collection — or, with `"unique": "owner"`,
/// only among the records of one owner.
struct IndexDefinition: Sendable, Hashable {
    var fields: [FieldPath]
    var unique: Bool
    /// With `unique`: the values need only be unique per owner (`(owner_id, paths…)`), so a 409
    /// tells a user nothing about other users' records. Records without an owner (written with an
    /// admin key) never conflict: SQLite treats NULL owners as distinct.
    var uniquePerOwner = false

    /// `{"fields":["status","createdAt"],"unique":false}` (`"unique":"owner"` when per owner).
    var json: JSONValue {
        .object(["fields": .array(fields.map { .string($0.description) }),
                 "unique": unique && uniquePerOwner ? .string("owner") : .bool(unique)])
    }

    /// Reads one declaration from an admin request (or the stored catalog).
    /// - Throws: 400 `validation_failed` naming `indexes[position]`.
    static func parse(_ value: JSONValue, position: Int, maxFields: Int) throws(AppBaseError) -> IndexDefinition {
        let field = "indexes[\(position)]"
        guard let members = value.objectValue, let list = members["fields"]?.arrayValue, !list.isEmpty else {
            throw .validation("An index needs a non-empty \"fields\" array.", field: field)
        }
        guard list.count <= maxFields else {
            throw .validation("An index may cover at most \(maxFields) fields.", field: field)
        }
        for key in members.keys where key != "fields" && key != "unique" {
            throw .validation("Unknown index property \"\(key)\".", field: field)
        }
        var paths: [FieldPath] = []
        for element in list {
            guard let text = element.stringValue else { throw .validation("Index fields are strings.", field: field) }
            let path: FieldPath
            do {
                path = try FieldPath(text)
            } catch {
                throw .validation("Invalid field path \"\(text)\": \(error.message).", field: field)
            }
            guard !paths.contains(path) else { throw .validation("Field \"\(text)\" is repeated.", field: field) }
            paths.append(path)
        }
        var unique = false
        var perOwner = false
        if let flag = members["unique"] {
            if flag.stringValue == "owner" {
                (unique, perOwner) = (true, true)
            } else if let value = flag.boolValue {
                unique = value
            } else {
                throw .validation("\"unique\" is true, false or \"owner\".", field: field)
            }
        }
        return IndexDefinition(fields: paths, unique: unique, uniquePerOwner: perOwner)
    }

    /// The SQLite indexes that implement this declaration for `collection`, whose read rule is
    /// `readRule` (ADR 0014, 0047, 0049): one query index — `(collection, owner_id, <expr>…,
    /// created_at, id)` when reads are owner-scoped, else `(collection, <expr>…, created_at, id)` —
    /// and for a unique declaration the index that enforces it.
    ///
    /// One query index, not both shapes: every random-key index costs each create a page of its
    /// own in the WAL (ADR 0047 measured 9.5 k creates/s with one, 6.5 k with two). An owner-rule
    /// collection's reads are its owners'; an admin's filter searches the index when it pins
    /// `ownerId`, and otherwise runs as an unindexed filter under the query budget.
    ///
    /// Every index is partial, `… WHERE collection = '<name>'` (ADR 0049): `records` holds every
    /// collection, and an index over the whole table would take an entry (a `json_extract`, a
    /// dirty page per commit) for every record of every other collection. A query can use such
    /// an index only when its WHERE clause repeats that term word for word, with the name as a
    /// literal (`ListQuery` does; a bound `collection = ?` proves nothing to the planner). Names
    /// are `rx_`/`rxu_` and a hash of the columns and the collection. The expressions are exactly
    /// `FilterCompiler.sqlExpression(forPath:)`, the text filters and sorts compile to, which is
    /// what lets SQLite match them. The implicit sort keys follow the declared fields: an equality
    /// on every declared field leaves rows in the default `-createdAt` order with the `id`
    /// tiebreaker, so such a page needs no sort and its cursor is an index range.
    func physicalIndexes(collection: String, readRule: AccessRule) -> [PhysicalIndex] {
        var indexes: [PhysicalIndex] = []
        if unique { indexes.append(uniqueIndex(collection: collection)) }
        indexes.append(queryIndex(collection: collection, ownerScoped: readRule == .owner))
        return indexes
    }

    /// The paths the query index holds after `collection`, in column order, up to the implicit
    /// sort keys: the declared fields, behind `ownerId` in the owner-scoped shape.
    func searchPaths(ownerScoped: Bool) -> [FieldPath] {
        ownerScoped && !fields.contains(where: { $0.systemField == .ownerId }) ? [.system(.ownerId)] + fields : fields
    }

    /// The composite index list queries of `collection` use; `ownerScoped` puts `owner_id` right
    /// after `collection`, for collections whose read rule is `owner` (a user's read pins it).
    func queryIndex(collection: String, ownerScoped: Bool) -> PhysicalIndex {
        var columns = ["collection"] + searchPaths(ownerScoped: ownerScoped).map { FilterCompiler.sqlExpression(forPath: $0) }
        // Nothing after `id`: it is unique within a collection, so later columns never order.
        if !fields.contains(where: { $0.systemField == .id }) {
            if !fields.contains(where: { $0.systemField == .createdAt }) { columns.append(SystemField.createdAt.column) }
            columns.append(SystemField.id.column)
        }
        let name = "rx_" + Self.nameHash(columns, collection: collection, unique: false)
        return PhysicalIndex(name: name, ddl: "CREATE INDEX \"\(name)\" ON records (\(columns.joined(separator: ", "))) "
                                 + "WHERE " + PhysicalIndex.collectionTerm(collection))
    }

    private func uniqueIndex(collection: String) -> PhysicalIndex {
        var expressions = fields.map { FilterCompiler.sqlExpression(forPath: $0) }
        if uniquePerOwner { expressions.insert(SystemField.ownerId.column, at: 0) }
        let name = "rxu_" + Self.nameHash(expressions, collection: collection, unique: true)
        return PhysicalIndex(
            name: name,
            ddl: "CREATE UNIQUE INDEX \"\(name)\" ON records (\(expressions.joined(separator: ", "))) WHERE "
                + PhysicalIndex.collectionTerm(collection))
    }

    /// FNV-1a of the columns and the collection (the unique indexes' formula, unchanged since ADR 0012).
    private static func nameHash(_ columns: [String], collection: String, unique: Bool) -> String {
        var hash = FNV1a()
        hash.add(columns.joined(separator: "\u{1}"))
        hash.add((unique ? "\u{0}unique\u{0}" : "\u{0}query\u{0}") + collection)
        return hash.hexDigest
    }
}

/// A concrete SQLite index: its name (`rx_<hash>` or `rxu_<hash>`) and its `CREATE` statement.
struct PhysicalIndex: Sendable, Hashable {
    var name: String
    var ddl: String

    /// Whether `name` is one of ours (only those are ever dropped).
    static func isManaged(_ name: String) -> Bool { name.hasPrefix("rx_") || name.hasPrefix("rxu_") }

    /// `collection = '<name>'`, the condition of every managed index, which a query must repeat
    /// word for word to use one. The name is a string literal there: the collection-name grammar
    /// allows no quote (letters, digits, `_`, `-`), and the literal is escaped all the same, so a
    /// name from a hand-edited or restored database can only fail to match, never break the SQL.
    static func collectionTerm(_ collection: String) -> String {
        guard collection.utf8.contains(UInt8(ascii: "'")) else { return "collection = '" + collection + "'" }
        var term = "collection = '"
        for character in collection { term += character == "'" ? "''" : String(character) }
        return term + "'"
    }
}
