import AppBaseCore
import AppBaseHTTP
import AppBaseQuery
import AppBaseSQLite
import OrderedCollections

/// One `GET /db/collections/:c` request, parsed and validated: which rows (collection, rule,
/// filter), in which order, after which position, how many, and how to show them.
struct ListQuery: Sendable {
    var collection: String
    var filter: Filter?
    var sort: SortSpec
    var limit: Int
    /// Bytes of items after which the page ends early (`CollectionSettings.pageByteBudget`).
    var byteBudget: Int
    var after: SortCursor?
    /// The read rule as a predicate (`owner_id = ?`), or nil when every row is visible.
    var rule: SQLFragment?
    var projection: Projection?
    var includeTotal: Bool
    /// Binds cursors to this collection, filter and sort.
    var fingerprint: String
    /// The declared index the page must search (`INDEXED BY`), when the filter narrows one.
    var indexHint: String?

    /// Parses the query string. `indexes` are the collection's declarations, `readRule` its read
    /// rule (which shapes its indexes) and `ownerScoped` says whether `rule` is the owner's
    /// predicate, so the query can name the index to search.
    /// - Throws: 400 `invalid_filter`/`invalid_sort` (with the position), `invalid_cursor`, or
    ///   `bad_request` for a bad `limit`, `count` or `fields`.
    init(collection: String, request: HTTPRequest, rule: SQLFragment?, settings: CollectionSettings,
         indexes: [IndexDefinition] = [], readRule: AccessRule = .public, ownerScoped: Bool = false) throws(AppBaseError) {
        // Validated by the route; `PhysicalIndex.collectionTerm` escapes it as a literal anyway.
        self.collection = collection
        self.rule = rule
        var filterText: String?, sortText: String?, limitText: String?, cursorText: String?
        var fieldsText: String?, countText: String?
        for (name, value) in request.queryItems {
            switch name {
            case "filter": filterText = value
            case "sort": sortText = value
            case "limit": limitText = value
            case "cursor": cursorText = value
            case "fields": fieldsText = value
            case "count": countText = value
            default: continue
            }
        }
        filter = nil
        if let filterText, !filterText.isEmpty {
            do {
                filter = try Filter.parse(filterText)
            } catch {
                throw error.appBaseError(code: .invalidFilter)
            }
        }
        sort = .default
        if let sortText, !sortText.isEmpty {
            do {
                sort = try SortSpec.parse(sortText)
            } catch {
                throw error.appBaseError(code: .invalidSort)
            }
        }
        limit = settings.defaultPageSize
        byteBudget = settings.pageByteBudget
        if let limitText {
            guard let value = Int(limitText), value >= 1 else {
                throw AppBaseError(status: 400, code: .badRequest, message: "limit is a positive integer.",
                                   details: .object(["field": .string("limit")]))
            }
            limit = min(value, settings.maxPageSize)
        }
        switch countText {
        case nil, "false", "0": includeTotal = false
        case "true", "1", "": includeTotal = true
        default:
            throw AppBaseError(status: 400, code: .badRequest, message: "count is true or false.",
                               details: .object(["field": .string("count")]))
        }
        projection = try fieldsText.map { text throws(AppBaseError) in
            try Projection(parsing: text, maxFields: settings.maxProjectedFields)
        }
        indexHint = IndexDefinition.queryIndexName(for: filter, among: indexes, collection: collection, readRule: readRule,
                                                   ownerPinned: ownerScoped)
        fingerprint = QueryFingerprint.of(filter: filter, sort: sort, scope: collection)
        after = try cursorText.map { text throws(AppBaseError) in
            try PageCursor.decode(text, fingerprint: fingerprint, keyCount: sort.keys.count)
        }
    }

    /// `SELECT <record columns>, <sort keys> FROM records WHERE … ORDER BY … LIMIT ?`, asking for
    /// one row more than the page to learn whether another page follows. Keyset pagination:
    /// the cursor becomes a predicate, never an OFFSET.
    var pageStatement: (sql: String, bindings: [SQLiteValue]) {
        // Built for every page on a reader: appended in place, without temporaries.
        var sql = "SELECT "
        sql.reserveCapacity(512)
        sql += RecordJSON.columns
        for key in sort.keys {
            sql += ", "
            sql += FilterCompiler.sqlExpression(forPath: key.path)
        }
        var bindings: [SQLiteValue] = []
        sql += " FROM "
        sql += source
        sql += " WHERE "
        sql += whereClause(into: &bindings, keyset: true)
        sql += " ORDER BY "
        sql += FilterCompiler.orderBy(sort)
        sql += " LIMIT ?"
        bindings.append(.integer(Int64(limit + 1)))
        return (sql, bindings)
    }

    /// `SELECT count(*)` over every row the filter and rule select (no cursor).
    var countStatement: (sql: String, bindings: [SQLiteValue]) {
        var bindings: [SQLiteValue] = []
        let sql = "SELECT count(*) FROM " + source + " WHERE " + whereClause(into: &bindings, keyset: false)
        return (sql, bindings)
    }

    /// `records`, or `records INDEXED BY "rx_…"`. The hint never makes a query impossible to
    /// plan: a query index is partial on `collection = '<name>'`, which the WHERE clause always
    /// repeats for its own collection, and starts with that column.
    private var source: String {
        guard let indexHint else { return "records" }
        return "records INDEXED BY \"\(indexHint)\""
    }

    private func whereClause(into bindings: inout [SQLiteValue], keyset: Bool) -> String {
        // The literal term every declared index is partial on (ADR 0049), so SQLite may use them.
        var parts: [SQLFragment] = [SQLFragment(sql: PhysicalIndex.collectionTerm(collection), bindings: [])]
        if let rule { parts.append(rule) }
        if let filter { parts.append(FilterCompiler.sql(for: filter)) }
        if keyset, let after, let predicate = FilterCompiler.keysetPredicate(sort, after: after) { parts.append(predicate) }
        var sql = ""
        sql.reserveCapacity(256)
        for (index, part) in parts.enumerated() {
            if index > 0 { sql += " AND " }
            sql += "("
            sql += part.sql
            sql += ")"
            for binding in part.bindings { bindings.append(Self.sqliteValue(binding)) }
        }
        return sql
    }

    /// Whether `predicate`, built for the read rule `rule`, restricts rows to one owner (so the
    /// owner-scoped query indexes apply).
    static func isOwnerScoped(_ rule: AccessRule, _ predicate: SQLFragment?) -> Bool {
        rule == .owner && predicate != nil && predicate != .alwaysFalse
    }

    static func sqliteValue(_ value: SQLValue) -> SQLiteValue {
        switch value {
        case .null: return .null
        case .int(let integer): return .integer(integer)
        case .double(let double): return .real(double)
        case .text(let text): return .text(text)
        }
    }

    static func sqlValue(_ value: SQLiteValue) -> SQLValue {
        switch value {
        case .null: return .null
        case .integer(let integer): return .int(integer)
        case .real(let double): return .double(double)
        case .text(let text): return .text(text)
        case .blob(let bytes): return .text(String(decoding: bytes, as: UTF8.self))
        }
    }
}
