import AppBaseCore
import OrderedCollections

/// A typed view of one TOML table that remembers which keys were read, so unknown keys can
/// be rejected with their full path.
struct ConfigTable {
    let file: String
    let path: String
    private let members: OrderedDictionary<String, JSONValue>
    private var consumed: Set<String> = []

    init(file: String, path: String, value: JSONValue?) throws(ConfigError) {
        self.file = file
        self.path = path
        switch value {
        case .none: members = [:]
        case .object(let members)?: self.members = members
        case .some: throw ConfigError(file: file, key: path, problem: "must be a table")
        }
    }

    func keyPath(_ key: String) -> String { key.isEmpty ? path : (path.isEmpty ? key : "\(path).\(key)") }

    func error(_ key: String, _ problem: String) -> ConfigError { ConfigError(file: file, key: keyPath(key), problem: problem) }

    var keys: [String] { Array(members.keys) }

    mutating func table(_ key: String) throws(ConfigError) -> ConfigTable {
        consumed.insert(key)
        return try ConfigTable(file: file, path: keyPath(key), value: members[key])
    }

    /// An integer within `range`, which every numeric setting must state (and
    /// docs/CONFIGURATION.md lists): the range is what keeps a value from overflowing the
    /// arithmetic that uses it later (sizes added to overheads, seconds added to now), so it is
    /// checked here, at load, naming the file, the key and the range.
    mutating func int(_ key: String, default fallback: Int? = nil, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        consumed.insert(key)
        guard let value = members[key] else { return fallback }
        guard case .int(let integer) = value else {
            throw error(key, "must be an integer between \(range.lowerBound) and \(range.upperBound)")
        }
        let result = Int(integer)
        guard range.contains(result) else {
            throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(result)")
        }
        return result
    }

    /// An integer within `range`, with a default: never nil.
    mutating func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let optional: Int? = fallback
        return try int(key, default: optional, range: range) ?? fallback
    }

    mutating func string(_ key: String, default fallback: String? = nil) throws(ConfigError) -> String? {
        consumed.insert(key)
        guard let value = members[key] else { return fallback }
        guard case .string(let text) = value else { throw error(key, "must be a string") }
        return text
    }

    mutating func bool(_ key: String, default fallback: Bool? = nil) throws(ConfigError) -> Bool? {
        consumed.insert(key)
        guard let value = members[key] else { return fallback }
        guard case .bool(let flag) = value else { throw error(key, "must be true or false") }
        return flag
    }

    mutating func strings(_ key: String, default fallback: [String]? = nil) throws(ConfigError) -> [String]? {
        consumed.insert(key)
        guard let value = members[key] else { return fallback }
        guard case .array(let elements) = value else { throw error(key, "must be an array of strings") }
        var result: [String] = []
        for element in elements {
            guard case .string(let text) = element else { throw error(key, "must be an array of strings") }
            result.append(text)
        }
        return result
    }

    /// One of `choices`.
    mutating func choice(_ key: String, _ choices: [String], default fallback: String) throws(ConfigError) -> String {
        guard let value = try string(key, default: fallback) else { return fallback }
        guard choices.contains(value) else {
            throw error(key, "must be one of \(choices.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(value)\"")
        }
        return value
    }

    /// Fails on the first key that no reader asked for.
    func rejectUnknownKeys() throws(ConfigError) {
        for key in members.keys where !consumed.contains(key) {
            throw error(key, "unknown key")
        }
    }
}
