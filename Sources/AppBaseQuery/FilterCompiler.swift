/// Compiles filters to SQL boolean expressions over the `records` table.
///
/// Values are always bound parameters (`?`). Field paths, which the grammar restricts to
/// `[A-Za-z_][A-Za-z0-9_]*` segments, are written into the SQL as string literals in exactly the
/// form an expression index uses, `json_extract(data, '$.a.b')`, because SQLite only matches an
/// index on `json_extract` when the path is the same literal text.
///
/// | filter            | SQL                                                                       |
/// |-------------------|---------------------------------------------------------------------------|
/// | `a = v`           | `json_extract(data, '$.a') = ?`                                           |
/// | `a != v`          | `json_extract(data, '$.a') IS NOT ?`                                      |
/// | `a = null`        | `json_extract(data, '$.a') IS NULL` (`!= null`: `IS NOT NULL`)             |
/// | `a < v` …         | `json_extract(data, '$.a') < ?`                                           |
/// | `a ~ "s"`         | `(json_type(data, '$.a') = 'text' AND instr(lower(json_extract(data, '$.a')), ?) > 0)` |
/// | `a in [v, null]`  | `(json_extract(data, '$.a') IN (?) OR json_extract(data, '$.a') IS NULL)`  |
/// | `a exists`        | `json_type(data, '$.a') IS NOT NULL`                                      |
/// | `x && y`, `x ‖ y` | `(X AND Y)`, `(X OR Y)`                                                   |
/// | `!x`              | `(NOT ifnull(X, 0))`, so `!` is two-valued like the evaluator             |
///
/// System fields use their columns (`created_at < ?`, `owner_id IS NOT NULL` for `exists`,
/// `typeof(id) = 'text'` in `~`).
public enum FilterCompiler {
    /// The boolean SQL expression selecting the records that match `filter`.
    public static func sql(for filter: Filter) -> SQLFragment {
        sql(for: filter.expression)
    }

    /// The boolean SQL expression selecting the records that match `expression`.
    public static func sql(for expression: FilterExpression) -> SQLFragment {
        var fragment = SQLFragment(sql: "")
        append(expression, to: &fragment)
        return fragment
    }

    /// The SQL expression for a field's value: its column for a system field, otherwise
    /// `json_extract(data, '$.a.b')`. Expression indexes must be created on exactly this text.
    public static func sqlExpression(forPath path: FieldPath) -> String {
        if let field = path.systemField { return field.column }
        return "json_extract(data, '\(path.jsonPath)')"
    }

    /// `json_type(data, '$.a.b')`, or `typeof(column)` for a system field.
    static func typeExpression(forPath path: FieldPath) -> String {
        if let field = path.systemField { return "typeof(\(field.column))" }
        return "json_type(data, '\(path.jsonPath)')"
    }

    private static func append(_ expression: FilterExpression, to out: inout SQLFragment) {
        switch expression {
        case .compare(let path, let op, let literal):
            let field = sqlExpression(forPath: path)
            switch (op, literal) {
            case (.equal, .null): out.sql += "\(field) IS NULL"
            case (.notEqual, .null): out.sql += "\(field) IS NOT NULL"
            case (.notEqual, _): bind(literal.sqlValue, "\(field) IS NOT ?", to: &out)
            default: bind(literal.sqlValue, "\(field) \(op.rawValue) ?", to: &out)
            }
        case .contains(let path, let pattern):
            out.sql += "(\(typeExpression(forPath: path)) = 'text' AND "
            bind(.text(pattern.foldedText), "instr(lower(\(sqlExpression(forPath: path))), ?) > 0)", to: &out)
        case .oneOf(let path, let literals):
            let field = sqlExpression(forPath: path)
            let values = literals.filter { $0 != .null }
            let matchesNull = values.count != literals.count
            if values.isEmpty {
                out.sql += matchesNull ? "\(field) IS NULL" : "0"
                return
            }
            if matchesNull { out.sql += "(" }
            out.sql += "\(field) IN ("
            for (index, value) in values.enumerated() {
                out.sql += index == 0 ? "?" : ", ?"
                out.bindings.append(value.sqlValue)
            }
            out.sql += ")"
            if matchesNull { out.sql += " OR \(field) IS NULL)" }
        case .exists(let path):
            if let field = path.systemField {
                out.sql += "\(field.column) IS NOT NULL"
            } else {
                out.sql += "\(typeExpression(forPath: path)) IS NOT NULL"
            }
        case .and(let operands):
            appendJoined(operands, separator: " AND ", to: &out)
        case .or(let operands):
            appendJoined(operands, separator: " OR ", to: &out)
        case .not(let operand):
            out.sql += "(NOT ifnull("
            append(operand, to: &out)
            out.sql += ", 0))"
        }
    }

    private static func bind(_ value: SQLValue, _ sql: String, to out: inout SQLFragment) {
        out.sql += sql
        out.bindings.append(value)
    }

    private static func appendJoined(_ operands: [FilterExpression], separator: String, to out: inout SQLFragment) {
        if operands.isEmpty {
            // An empty conjunction is true and an empty disjunction false, as in the evaluator.
            out.sql += separator == " AND " ? "1" : "0"
            return
        }
        out.sql += "("
        for (index, operand) in operands.enumerated() {
            if index > 0 { out.sql += separator }
            append(operand, to: &out)
        }
        out.sql += ")"
    }
}
