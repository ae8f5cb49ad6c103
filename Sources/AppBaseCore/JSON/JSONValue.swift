import OrderedCollections

/// A JSON document as a value: what records, filters, rules and API bodies are made of.
///
/// Integers and reals are kept apart (`int` versus `double`) because SQLite's JSON
/// functions keep them apart too, and the filter evaluator must agree with SQLite.
/// Objects keep their keys in document order so a record reads back as it was written; records
/// are parsed `keepingNumberText`, so their numbers do too (`.number`).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// A number kept as its source text (see ``JSONNumber``). Only a parse with
    /// `keepingNumberText` makes one, for each number that `.int` would not give back as written
    /// (reals, integers beyond `Int64`, `-0`); other parses yield `.int` and `.double` only.
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(OrderedDictionary<String, JSONValue>)
}

extension JSONValue {
    /// The object's members, or `nil` when this is not an object.
    public var objectValue: OrderedDictionary<String, JSONValue>? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The string, or `nil` when this is not a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, or `nil` when this is not an integer (or a real with an integral value).
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value):
            guard value.rounded() == value, let exact = Int64(exactly: value) else { return nil }
            return exact
        case .number(let number):
            return number.integerValue ?? JSONValue.double(number.doubleValue).intValue
        default: return nil
        }
    }

    /// The boolean, or `nil` when this is not a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The array's elements, or `nil` when this is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Member lookup on objects; `nil` for other kinds or a missing key.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}
