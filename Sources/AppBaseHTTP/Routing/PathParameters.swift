/// A matched route's path parameters by name (`:collection` → `notes`), in pattern order.
///
/// A route has at most a few, so a list searched in order costs less than a dictionary built,
/// hashed into and freed on every request.
public struct PathParameters: Sendable {
    private struct Entry: Sendable {
        let name: String
        let value: String
    }

    private var entries: [Entry] = []

    /// No parameters.
    public init() {}

    init(capacity: Int) { entries.reserveCapacity(capacity) }

    /// The value of parameter `name`, nil when the route has none of that name.
    public subscript(name: String) -> String? {
        for entry in entries where entry.name == name { return entry.value }
        return nil
    }

    /// How many parameters the route matched.
    public var count: Int { entries.count }

    /// Adds a parameter; a later one of the same name is shadowed by the first.
    mutating func append(_ name: String, _ value: String) { entries.append(Entry(name: name, value: value)) }
}
