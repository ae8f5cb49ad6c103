import OrderedCollections
extension JSONValue {
    /// How deeply containers nest in this value: 0 for scalars, 1 for `[]`, `{}` or a
    /// container of scalars, one more per level. Matches the parser's `maxDepth` counting.
    public var nestingDepth: Int {
        switch self {
        case .null, .bool, .int, .double, .number, .string:
            return 0
        case .array(let elements):
            var deepest = 0
            for element in elements { deepest = max(deepest, element.nestingDepth) }
            return deepest + 1
        case .object(let members):
            var deepest = 0
            for value in members.values { deepest = max(deepest, value.nestingDepth) }
            return deepest + 1
        }
    }
}
