import AppBaseCore

/// Evaluates filters in memory against full record objects, with exactly the results SQLite gives
/// for the SQL that `FilterCompiler` produces (see `FilterParser` for the semantics).
///
/// The record is the object clients see: the system fields `id`, `ownerId`, `createdAt`,
/// `updatedAt`, `version` as top-level members beside the `data` members. Evaluation walks the
/// tree once, allocates nothing for scalars and strings, and serialises an object or array only
/// when it is compared with a string.
public enum FilterEvaluator {
    /// Whether `record` satisfies `filter`.
    public static func matches(_ filter: Filter, record: JSONValue) -> Bool {
        evaluate(filter.expression, record)
    }

    /// Whether `record` satisfies `expression`.
    public static func matches(_ expression: FilterExpression, record: JSONValue) -> Bool {
        evaluate(expression, record)
    }

    private static func evaluate(_ expression: FilterExpression, _ record: JSONValue) -> Bool {
        switch expression {
        case .compare(let path, let op, let literal):
            return compare(FieldValue(path: path, in: record), op, literal.sqlValue)
        case .contains(let path, let pattern):
            guard case .text(let text, let cut) = FieldValue(path: path, in: record) else { return false }
            return containsFolded(text, cutAtNUL: cut, pattern.foldedUTF8)
        case .oneOf(let path, let literals):
            let value = FieldValue(path: path, in: record)
            if value.isNull { return literals.contains(.null) }
            for literal in literals where value.compare(to: literal.sqlValue) == 0 { return true }
            return false
        case .exists(let path):
            return exists(path, in: record)
        case .and(let operands):
            for operand in operands where !evaluate(operand, record) { return false }
            return true
        case .or(let operands):
            for operand in operands where evaluate(operand, record) { return true }
            return false
        case .not(let operand):
            return !evaluate(operand, record)
        }
    }

    @inline(__always)
    private static func compare(_ value: FieldValue, _ op: ComparisonOperator, _ rhs: SQLValue) -> Bool {
        switch op {
        case .equal:
            if case .null = rhs { return value.isNull }
            return value.compare(to: rhs) == 0
        case .notEqual:
            if case .null = rhs { return !value.isNull }
            return value.compare(to: rhs) != 0
        case .greater: return value.compare(to: rhs).map { $0 > 0 } ?? false
        case .greaterOrEqual: return value.compare(to: rhs).map { $0 >= 0 } ?? false
        case .less: return value.compare(to: rhs).map { $0 < 0 } ?? false
        case .lessOrEqual: return value.compare(to: rhs).map { $0 <= 0 } ?? false
        }
    }

    /// `json_type(data, path) IS NOT NULL` for data paths; `column IS NOT NULL` for system fields.
    private static func exists(_ path: FieldPath, in record: JSONValue) -> Bool {
        guard var current = record.member(path.segments[0]) else { return false }
        if path.systemField != nil { return !FieldValue(column: current).isNull }
        var index = 1
        while index < path.segments.count {
            guard let next = current.member(path.segments[index]) else { return false }
            current = next
            index += 1
        }
        return true
    }

    /// `instr(lower(text), needle) > 0` where `needle` is already ASCII-lowercased; with
    /// `cutAtNUL`, only the bytes before the first NUL of `text` are searched.
    static func containsFolded(_ text: String, cutAtNUL: Bool, _ needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        var text = text
        return text.withUTF8 { whole in
            needle.withUnsafeBufferPointer { needle in
                var haystack = whole
                if cutAtNUL, let nul = whole.firstIndex(of: 0) { haystack = UnsafeBufferPointer(rebasing: whole[..<nul]) }
                let count = needle.count
                guard haystack.count >= count else { return false }
                let first = needle[0]
                var start = 0
                let last = haystack.count - count
                while start <= last {
                    if asciiLowercase(haystack[start]) == first {
                        var offset = 1
                        while offset < count && asciiLowercase(haystack[start + offset]) == needle[offset] { offset += 1 }
                        if offset == count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }
}
