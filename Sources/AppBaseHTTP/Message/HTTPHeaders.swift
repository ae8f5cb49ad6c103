/// An ordered list of header fields with case-insensitive lookup.
///
/// Request header names are stored lowercased by the parser, so lookups compare bytes.
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var fields: [HTTPField]

    /// No fields.
    public init() { fields = [] }

    /// The fields of a list of name-value pairs, in order.
    public init(_ pairs: [(name: String, value: String)]) {
        fields = []
        fields.reserveCapacity(pairs.count)
        for pair in pairs { fields.append(HTTPField(name: pair.name, value: pair.value)) }
    }

    /// These fields, in order.
    public init(fields: [HTTPField]) { self.fields = fields }

    /// One field.
    public init(_ name: String, _ value: String) { fields = [HTTPField(name: name, value: value)] }

    /// The first value of `name` (ASCII case-insensitive, without allocating).
    public subscript(name: String) -> String? {
        for field in fields where Self.namesMatch(field.name, name) { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.namesMatch($0.name, name) }.map(\.value)
    }

    /// ASCII case-insensitive comparison of header names: lengths first (most fields of a
    /// request differ in length from the name looked up), then the bytes.
    static func namesMatch(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8, right = rhs.utf8
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where a != b {
            let lower = a | 0x20
            guard lower == b | 0x20, lower >= 97, lower <= 122 else { return false }
        }
        return true
    }

    /// Appends a field (duplicates allowed).
    public mutating func add(_ name: String, _ value: String) { fields.append(HTTPField(name: name, value: value)) }

    /// Replaces every field called `name` with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append(HTTPField(name: name, value: value))
    }

    /// Removes every field called `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { Self.namesMatch($0.name, name) }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }
}

/// One header field. A named type rather than a tuple: arrays of tuples are copied and freed
/// through generic runtime witnesses, which showed in every request's profile.
public struct HTTPField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
