/// A record field that is stored in its own column rather than inside `data`.
public enum SystemField: String, Sendable, Hashable, CaseIterable {
    case id
    case ownerId
    case createdAt
    case updatedAt
    case version

    /// Whether the column holds text (`id`, `ownerId`, `createdAt`, `updatedAt`) rather than an integer (`version`).
    public var isText: Bool { self != .version }

    /// Whether the server always sets this field (all but `ownerId`), so its column is never NULL.
    /// Keyset predicates rely on this to give SQLite index range bounds for descending keys.
    public var isNeverNull: Bool { self != .ownerId }

    /// The `records` column holding this field.
    public var column: String {
        switch self {
        case .id: return "id"
        case .ownerId: return "owner_id"
        case .createdAt: return "created_at"
        case .updatedAt: return "updated_at"
        case .version: return "version"
        }
    }
}

/// A dotted path to a record field: `title`, `address.city`, or a system field such as `createdAt`.
///
/// Every segment matches `[A-Za-z_][A-Za-z0-9_]*`. A path whose single segment names a system
/// field refers to that field's column; system fields have no members, so `id.x` is rejected.
/// Any other path addresses a member of the record's JSON `data`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// The path's segments, at least one.
    public let segments: [String]
    /// The system field this path names, or `nil` for a path into `data`.
    public let systemField: SystemField?

    /// Validates `text` as a path (`a`, `a.b.c`); throws with the offset of the first bad character.
    public init(_ text: String) throws(FilterError) {
        let scalars = Array(text.unicodeScalars)
        var lexer = FilterLexer(scalars: scalars)
        let token = try lexer.next()
        guard case .path(let path) = token.kind else {
            throw FilterError(position: 0, message: "Expected a field path")
        }
        let rest = try lexer.next()
        guard case .end = rest.kind else {
            throw FilterError(position: rest.position, message: "Unexpected text after field path")
        }
        self = path
    }

    /// Builds a path from already-validated segments; `nil` when a segment is not an identifier
    /// or a system field has further segments.
    public init?(segments: [String]) {
        guard !segments.isEmpty, segments.allSatisfy(FieldPath.isIdentifier) else { return nil }
        let system = SystemField(rawValue: segments[0])
        if system != nil && segments.count > 1 { return nil }
        self.segments = segments
        self.systemField = system
    }

    /// The path naming a system field's column (`ownerId`, `createdAt`, …).
    public static func system(_ field: SystemField) -> FieldPath {
        FieldPath(validated: [field.rawValue], systemField: field)
    }

    init(validated segments: [String], systemField: SystemField?) {
        self.segments = segments
        self.systemField = systemField
    }

    /// The dotted text, e.g. `address.city`.
    public var description: String { segments.joined(separator: ".") }

    /// The SQLite JSON path, e.g. `$.address.city`.
    var jsonPath: String { "$." + description }

    static func isIdentifier(_ text: String) -> Bool {
        var first = true
        for byte in text.utf8 {
            let ok = first ? FilterLexer.isIdentifierStart(byte) : FilterLexer.isIdentifierContinue(byte)
            if !ok { return false }
            first = false
        }
        return !first
    }
}

/// A literal on the right-hand side of a term.
public enum FilterLiteral: Sendable, Hashable {
    case null
    /// Compared as the integer 1 or 0, as SQLite sees JSON booleans.
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    /// The value bound as a SQL parameter.
    public var sqlValue: SQLValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .int(value ? 1 : 0)
        case .int(let value): return .int(value)
        case .double(let value): return .double(value)
        case .string(let value): return .text(value)
        }
    }
}

/// The comparison operators `= != > >= < <=`.
public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="
}

/// The needle of a `~` (contains) term, with its ASCII-lowercased UTF-8 bytes precomputed.
public struct ContainsPattern: Sendable, Hashable {
    /// The needle as written (after escape processing).
    public let text: String
    /// `text` as UTF-8 with `A`–`Z` folded to `a`–`z` (what SQLite's `lower()` does).
    let foldedUTF8: [UInt8]

    /// Creates a pattern for `text`.
    public init(_ text: String) {
        self.text = text
        self.foldedUTF8 = text.utf8.map(asciiLowercase)
    }

    /// The needle folded the way SQLite's `lower()` folds it; this is the value bound in SQL.
    public var foldedText: String { String(decoding: foldedUTF8, as: UTF8.self) }
}

@inline(__always)
func asciiLowercase(_ byte: UInt8) -> UInt8 {
    byte &- 0x41 < 26 ? byte | 0x20 : byte
}

/// A parsed filter expression. `and`/`or` are n-ary and never directly nest in themselves.
public indirect enum FilterExpression: Sendable, Hashable {
    /// `path op literal`.
    case compare(FieldPath, ComparisonOperator, FilterLiteral)
    /// `path ~ "text"`: the value is a string containing the text, ignoring ASCII case.
    case contains(FieldPath, ContainsPattern)
    /// `path in [v1, v2, ...]`.
    case oneOf(FieldPath, [FilterLiteral])
    /// `path exists`.
    case exists(FieldPath)
    /// `a && b && ...` (at least two operands).
    case and([FilterExpression])
    /// `a || b || ...` (at least two operands).
    case or([FilterExpression])
    /// `!a`: true exactly when `a` is not true.
    case not(FilterExpression)
}

/// A validated filter, ready to compile to SQL (`FilterCompiler`) or to evaluate in memory
/// (`FilterEvaluator`); both give the same answer for every record.
public struct Filter: Sendable, Hashable, CustomStringConvertible {
    /// The expression tree.
    public let expression: FilterExpression

    /// Wraps an expression built in code, checking the system-field typing rules the parser
    /// enforces (no limits are applied). Positions in errors are 0.
    public init(validating expression: FilterExpression) throws(FilterError) {
        try Filter.validate(expression)
        self.expression = expression
    }

    init(_ expression: FilterExpression) {
        self.expression = expression
    }

    private static func validate(_ expression: FilterExpression) throws(FilterError) {
        func check(_ message: String?) throws(FilterError) {
            if let message { throw FilterError(position: 0, message: message) }
        }
        switch expression {
        case .compare(let path, _, let literal): try check(typingError(path, literal))
        case .contains(let path, _): try check(containsTypingError(path))
        case .oneOf(let path, let literals):
            for literal in literals { try check(typingError(path, literal)) }
        case .exists: break
        case .and(let operands), .or(let operands):
            for operand in operands { try validate(operand) }
        case .not(let operand): try validate(operand)
        }
    }

    /// System columns have a declared type, and SQLite would convert a literal of another type to
    /// the column's affinity before comparing; so such comparisons are rejected instead.
    static func typingError(_ path: FieldPath, _ literal: FilterLiteral) -> String? {
        guard let field = path.systemField else { return nil }
        switch literal {
        case .null: return nil
        case .string: return field.isText ? nil : "'\(field.rawValue)' is a number; compare it with a number"
        case .int, .double: return field.isText ? "'\(field.rawValue)' is text; compare it with a string" : nil
        case .bool:
            return "'\(field.rawValue)' is \(field.isText ? "text; compare it with a string" : "a number; compare it with a number")"
        }
    }

    /// `~` applies to text; `version` is never text.
    static func containsTypingError(_ path: FieldPath) -> String? {
        guard let field = path.systemField, !field.isText else { return nil }
        return "'~' needs a text field; '\(field.rawValue)' is a number"
    }

    /// Parses filter text; see `FilterParser` for the grammar.
    ///
    /// - Throws: `FilterError` with the offending position for a syntax error or exceeded limit.
    public static func parse(_ text: String, limits: FilterLimits = .init()) throws(FilterError) -> Filter {
        Filter(try FilterParser.parse(text, limits: limits))
    }

    /// The canonical text of the filter (see `canonicalText`).
    public var description: String { canonicalText }
}
