/// A configuration problem, naming the file, the key and what is wrong.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public let file: String
    /// Dotted key path, e.g. `apps.notes.port`.
    public let key: String
    public let problem: String

    public init(file: String, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String { key.isEmpty ? "\(file): \(problem)" : "\(file): \(key): \(problem)" }
}
