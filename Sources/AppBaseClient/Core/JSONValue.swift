import Foundation

/// Any JSON value: the raw form of records, error details and change events.
///
/// Numbers are held as `Double` (what `JSONDecoder` gives); an app that needs the exact text of a
/// very large integer should keep it as a string member.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The member `key` of an object (nil for other values or a missing member).
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number, if this is one.
    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number as a whole number, if this is one that fits.
    public var int64Value: Int64? {
        guard case .number(let value) = self, let exact = Int64(exactly: value) else { return nil }
        return exact
    }
}

/// A JSON object: the raw form of a record.
public typealias JSONObject = [String: JSONValue]

/// The one encoder and decoder configuration the client uses on the wire.
enum JSONCoding {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        try JSONEncoder().encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }

    /// Converts any `Encodable` into its JSON form (to merge or inspect it).
    static func value<T: Encodable>(of value: T) throws -> JSONValue {
        try decode(JSONValue.self, from: encode(value))
    }

    /// Converts a JSON value into `T` through its JSON text.
    static func convert<T: Decodable>(_ value: JSONValue, to type: T.Type) throws -> T {
        try decode(type, from: encode(value))
    }
}
