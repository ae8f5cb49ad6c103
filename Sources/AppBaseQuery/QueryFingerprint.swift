import AppBaseCore

/// A deterministic fingerprint of a normalised filter and sort, used to bind a pagination cursor to
/// the query that issued it.
///
/// The fingerprint is FNV-1a (64-bit) over the canonical texts, written as 16 lowercase hex
/// digits: the same in every process and on every platform (it never uses `Hasher`). Filters that
/// differ only in whitespace, quote style, number spelling (`1e2` vs `100.0`), redundant
/// parentheses or `&&`/`||` grouping share a fingerprint.
public enum QueryFingerprint {
    /// The fingerprint of `filter` (or no filter) and `sort`, within an optional `scope` such as
    /// the app and collection name.
    public static func of(filter: Filter?, sort: SortSpec, scope: String = "") -> String {
        var hash = FNV1a()
        hash.add("appbase-query-v1\u{0}")
        hash.add(scope)
        hash.add("\u{0}filter:")
        hash.add(filter?.canonicalText ?? "")
        hash.add("\u{0}sort:")
        hash.add(sort.description)
        return hash.hexDigest
    }
}

extension Filter {
    /// The filter in canonical form: single spaces around operators, double-quoted strings with
    /// minimal escapes, shortest round-trip numbers, and parentheses exactly around nested
    /// `&&`/`||` groups and `!` operands. Parsing it gives back the same expression.
    public var canonicalText: String {
        var out = ""
        Self.render(expression, into: &out, nested: false)
        return out
    }

    private static func render(_ expression: FilterExpression, into out: inout String, nested: Bool) {
        switch expression {
        case .compare(let path, let op, let literal):
            out += "\(path) \(op.rawValue) "
            render(literal, into: &out)
        case .contains(let path, let pattern):
            out += "\(path) ~ "
            render(.string(pattern.text), into: &out)
        case .oneOf(let path, let literals):
            out += "\(path) in ["
            for (index, literal) in literals.enumerated() {
                if index > 0 { out += ", " }
                render(literal, into: &out)
            }
            out += "]"
        case .exists(let path):
            out += "\(path) exists"
        case .and(let operands):
            renderJoined(operands, separator: " && ", into: &out, nested: nested)
        case .or(let operands):
            renderJoined(operands, separator: " || ", into: &out, nested: nested)
        case .not(let operand):
            out += "!("
            render(operand, into: &out, nested: false)
            out += ")"
        }
    }

    private static func renderJoined(_ operands: [FilterExpression], separator: String, into out: inout String, nested: Bool) {
        if nested { out += "(" }
        for (index, operand) in operands.enumerated() {
            if index > 0 { out += separator }
            render(operand, into: &out, nested: true)
        }
        if nested { out += ")" }
    }

    private static func render(_ literal: FilterLiteral, into out: inout String) {
        switch literal {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value): out += value.description
        case .string(let text):
            out += "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            out += "\""
        }
    }
}
