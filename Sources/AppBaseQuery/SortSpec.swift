import AppBaseCore

/// A sort order for listing records, e.g. `sort=-createdAt,title`.
///
/// Syntax: one to four keys separated by commas (spaces allowed around them); each key is a field
/// path (see `FilterParser`) optionally prefixed by `-` (descending) or `+` (ascending, the
/// default). A path may appear once. Values are ordered as SQLite orders them: NULL (missing or
/// JSON null) first when ascending and last when descending, then numbers (booleans as 1/0), then
/// text by UTF-8 bytes (objects and arrays as their JSON text). The record `id` is always the final
/// tiebreaker, in the direction of the last key, so the order is total and pages are stable.
/// The system fields `id`, `createdAt`, `updatedAt` and `version` are assumed never NULL (the
/// server always sets them), which lets keyset predicates use index range scans.
public struct SortSpec: Sendable, Hashable, CustomStringConvertible {
    /// One sort key.
    public struct Key: Sendable, Hashable {
        /// The field sorted on.
        public let path: FieldPath
        /// Whether larger values come first.
        public let descending: Bool

        /// Creates a key.
        public init(path: FieldPath, descending: Bool) {
            self.path = path
            self.descending = descending
        }
    }

    /// The keys, most significant first (between one and `maxKeys`).
    public let keys: [Key]

    /// The most keys a sort may have.
    public static let maxKeys = 4
    /// The longest sort text accepted, in Unicode scalar values.
    public static let maxLength = 512

    /// `-createdAt`: newest first.
    public static let `default` = SortSpec(
        uncheckedKeys: [Key(path: FieldPath(validated: ["createdAt"], systemField: .createdAt), descending: true)])

    /// Creates a sort from keys; `nil` when there are none, more than `maxKeys`, or a repeated path.
    public init?(keys: [Key]) {
        guard !keys.isEmpty, keys.count <= Self.maxKeys, Set(keys.map(\.path)).count == keys.count else { return nil }
        self.keys = keys
    }

    private init(uncheckedKeys: [Key]) {
        self.keys = uncheckedKeys
    }

    /// Parses sort text such as `-createdAt,title`.
    ///
    /// - Throws: `FilterError` with the position of the offending character or key.
    public static func parse(_ text: String) throws(FilterError) -> SortSpec {
        var scalars: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            guard scalars.count < maxLength else {
                throw FilterError(position: maxLength, message: "Sort is longer than \(maxLength) characters")
            }
            scalars.append(scalar)
        }
        var lexer = FilterLexer(scalars: scalars)
        var token = try lexer.next()
        if case .end = token.kind { throw FilterError(position: token.position, message: "Empty sort") }
        var keys: [Key] = []
        while true {
            let keyStart = token.position
            var descending = false
            switch token.kind {
            case .minus:
                descending = true
                token = try lexer.next()
            case .plus:
                token = try lexer.next()
            default: break
            }
            guard case .path(let path) = token.kind else {
                throw FilterError(position: token.position, message: "Expected a field path in sort")
            }
            guard keys.count < maxKeys else {
                throw FilterError(position: keyStart, message: "Sort has more than \(maxKeys) keys")
            }
            guard !keys.contains(where: { $0.path == path }) else {
                throw FilterError(position: token.position, message: "Sort key '\(path)' is repeated")
            }
            keys.append(Key(path: path, descending: descending))
            token = try lexer.next()
            switch token.kind {
            case .end: return SortSpec(uncheckedKeys: keys)
            case .comma: token = try lexer.next()
            default: throw FilterError(position: token.position, message: "Expected ',' or end of sort")
            }
        }
    }

    /// Canonical text: `-createdAt,title`.
    public var description: String {
        keys.map { ($0.descending ? "-" : "") + $0.path.description }.joined(separator: ",")
    }

    /// The values SQLite produces for the sort's key expressions on `record` (a full record object
    /// with system fields as members), one per key of `spec` (the `id` tiebreaker not included).
    ///
    /// Missing members and JSON null give `.null`, booleans `.int(1/0)`, objects and arrays their
    /// compact JSON text, and strings are cut at their first U+0000, as `json_extract` does.
    public static func sortValues(of record: JSONValue, for spec: SortSpec) -> [SQLValue] {
        spec.keys.map { FieldValue(path: $0.path, in: record).sqlValue }
    }

    /// Whether the final key is `id`, in which case no separate tiebreaker is needed.
    var endsWithID: Bool { keys.last?.path.systemField == .id }

    /// The direction of the `id` tiebreaker.
    var tiebreakDescending: Bool { keys.last?.descending ?? false }

    /// Orders two records exactly as `ORDER BY` does (test support and in-memory merging).
    func areInIncreasingOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
        for key in keys {
            let order = SQLOrdering.compare(FieldValue(path: key.path, in: a).sqlValue, FieldValue(path: key.path, in: b).sqlValue)
            if order != 0 { return key.descending ? order > 0 : order < 0 }
        }
        if endsWithID { return false }
        let order = SQLOrdering.compare(FieldValue(column: a["id"] ?? .null).sqlValue, FieldValue(column: b["id"] ?? .null).sqlValue)
        return tiebreakDescending ? order > 0 : order < 0
    }
}
