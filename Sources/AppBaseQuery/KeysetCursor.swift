import AppBaseCore

/// The position of the last row of a page: the values of its sort keys and its `id`.
///
/// Built from a returned record with `init(record:sort:)`; the server encodes it in the page's
/// cursor together with the query's `QueryFingerprint`.
public struct SortCursor: Sendable, Hashable {
    /// One value per sort key, as `SortSpec.sortValues(of:for:)` gives them.
    public var values: [SQLValue]
    /// The row's `id` (the final tiebreaker).
    public var id: String

    /// Creates a cursor from raw values.
    public init(values: [SQLValue], id: String) {
        self.values = values
        self.id = id
    }

    /// The cursor after `record` in `sort` order; `nil` when the record has no string `id`.
    public init?(record: JSONValue, sort: SortSpec) {
        guard case .string(let id) = record["id"] else { return nil }
        self.values = SortSpec.sortValues(of: record, for: sort)
        self.id = id
    }
}

extension FilterCompiler {
    /// The `ORDER BY` terms (without the keywords) for `sort`, ending with the `id` tiebreaker in
    /// the direction of the last key, e.g. `created_at DESC, id DESC`.
    public static func orderBy(_ sort: SortSpec) -> String {
        orderKeys(sort).map { "\($0.expression) \($0.descending ? "DESC" : "ASC")" }.joined(separator: ", ")
    }

    /// A predicate selecting exactly the rows that come strictly after `cursor` in `sort` order
    /// (keyset pagination; NULLs are first ascending and last descending, as SQLite orders them).
    ///
    /// Returns `nil` when the cursor does not have one value per sort key.
    public static func keysetPredicate(_ sort: SortSpec, after cursor: SortCursor) -> SQLFragment? {
        guard cursor.values.count == sort.keys.count else { return nil }
        let keys = orderKeys(sort)
        var values = cursor.values
        if !sort.endsWithID { values.append(.text(cursor.id)) }
        // after(i) = strict(i) OR (equal(i) AND after(i + 1)), built from the last key outwards.
        var tail: SQLFragment?
        for index in stride(from: keys.count - 1, through: 0, by: -1) {
            let key = keys[index]
            let value = values[index]
            let strict = strictlyAfter(key.expression, descending: key.descending, value: value, neverNull: key.neverNull)
            guard let rest = tail else {
                tail = strict ?? .alwaysFalse
                continue
            }
            let equalAndRest = SQLFragment.conjunction([equal(key.expression, value), rest])
            tail = strict.map { SQLFragment.disjunction([$0, equalAndRest]) } ?? equalAndRest
        }
        guard var predicate = tail else { return nil }
        // A redundant bound on the first key lets SQLite range-scan an index instead of skipping
        // rows one by one (descending only when NULLs, which sort last there, cannot occur).
        if let first = keys.first, values[0] != .null, keys.count > 1, !first.descending || first.neverNull {
            let bound = SQLFragment(sql: "\(first.expression) \(first.descending ? "<=" : ">=") ?", bindings: [values[0]])
            predicate = SQLFragment.conjunction([bound, predicate])
        }
        return predicate
    }

    private static func orderKeys(_ sort: SortSpec) -> [(expression: String, descending: Bool, neverNull: Bool)] {
        var keys = sort.keys.map {
            (expression: sqlExpression(forPath: $0.path), descending: $0.descending, neverNull: $0.path.systemField?.isNeverNull ?? false)
        }
        if !sort.endsWithID {
            keys.append((expression: SystemField.id.column, descending: sort.tiebreakDescending, neverNull: true))
        }
        return keys
    }

    /// Rows whose key is strictly after `value`; `nil` when there are none (descending after NULL).
    private static func strictlyAfter(_ expression: String, descending: Bool, value: SQLValue, neverNull: Bool) -> SQLFragment? {
        switch (descending, value) {
        case (false, .null): return SQLFragment(sql: "\(expression) IS NOT NULL")
        case (false, _): return SQLFragment(sql: "\(expression) > ?", bindings: [value])
        case (true, .null): return nil
        case (true, _) where neverNull: return SQLFragment(sql: "\(expression) < ?", bindings: [value])
        case (true, _): return SQLFragment(sql: "(\(expression) < ? OR \(expression) IS NULL)", bindings: [value])
        }
    }

    private static func equal(_ expression: String, _ value: SQLValue) -> SQLFragment {
        if case .null = value { return SQLFragment(sql: "\(expression) IS NULL") }
        return SQLFragment(sql: "\(expression) = ?", bindings: [value])
    }
}
