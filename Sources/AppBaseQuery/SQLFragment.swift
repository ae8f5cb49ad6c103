/// A value bound to a `?` parameter, or produced by SQLite for a sort expression.
public enum SQLValue: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// An INTEGER (JSON booleans are 1 and 0).
    case int(Int64)
    /// A REAL.
    case double(Double)
    /// TEXT (objects and arrays appear as their compact JSON text).
    case text(String)
}

/// A piece of SQL with `?` placeholders and the values to bind to them, in order.
///
/// Fragments produced by this module are self-contained boolean expressions: every compound
/// expression is parenthesised, so fragments can be joined with `AND`/`OR` safely.
public struct SQLFragment: Sendable, Hashable {
    /// SQL text; values only ever appear as `?` placeholders.
    public var sql: String
    /// One value per `?`, in order of appearance.
    public var bindings: [SQLValue]

    /// Creates a fragment.
    public init(sql: String, bindings: [SQLValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    /// The always-true fragment `1`.
    public static let alwaysTrue = SQLFragment(sql: "1")
    /// The always-false fragment `0`.
    public static let alwaysFalse = SQLFragment(sql: "0")

    /// `(a AND b AND ...)`, skipping nothing; `1` for no parts, the part itself for one.
    public static func conjunction(_ parts: [SQLFragment]) -> SQLFragment {
        join(parts, separator: " AND ", empty: .alwaysTrue)
    }

    /// `(a OR b OR ...)`; `0` for no parts, the part itself for one.
    public static func disjunction(_ parts: [SQLFragment]) -> SQLFragment {
        join(parts, separator: " OR ", empty: .alwaysFalse)
    }

    private static func join(_ parts: [SQLFragment], separator: String, empty: SQLFragment) -> SQLFragment {
        guard parts.count > 1 else { return parts.first ?? empty }
        var result = SQLFragment(sql: "(")
        for (index, part) in parts.enumerated() {
            if index > 0 { result.sql += separator }
            result.sql += part.sql
            result.bindings += part.bindings
        }
        result.sql += ")"
        return result
    }
}
