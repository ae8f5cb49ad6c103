import AppBaseCore
import OrderedCollections
import Synchronization
import TOMLKit

/// Converts a parsed TOML document into a `JSONValue` tree (tables keep their key order).
enum TOMLConversion {
    /// TOMLKit (toml++ underneath) corrupted keys when several documents were parsed at once
    /// (seen in parallel tests), so parsing and conversion are serialised. Config files are
    /// read rarely; the lock costs nothing that matters.
    private static let parserLock = Mutex(())

    static func parse(_ text: String, file: String) throws(ConfigError) -> JSONValue {
        try parserLock.withLock { _ throws(ConfigError) in try parseUnlocked(text, file: file) }
    }

    private static func parseUnlocked(_ text: String, file: String) throws(ConfigError) -> JSONValue {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, key: "", problem: "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(file: file, key: "", problem: "not valid TOML: \(error)")
        }
        return convert(table)
    }

    private static func convert(_ table: TOMLTable) -> JSONValue {
        var members = OrderedDictionary<String, JSONValue>()
        for key in table.keys {
            if let value = table[key] { members[key] = convert(value) }
        }
        return .object(members)
    }

    private static func convert(_ value: any TOMLValueConvertible) -> JSONValue {
        switch value.type {
        case .table: return value.table.map(convert) ?? .null
        case .array: return .array(value.array.map { $0.map(convert) } ?? [])
        case .string: return value.string.map(JSONValue.string) ?? .null
        case .int: return value.int.map { .int(Int64($0)) } ?? .null
        case .double: return value.double.map(JSONValue.double) ?? .null
        case .bool: return value.bool.map(JSONValue.bool) ?? .null
        default: return .string(value.debugDescription)
        }
    }
}
