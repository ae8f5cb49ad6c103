extension Filter {
    /// `indexScore` of a single path the filter pins.
    public static let pinnedScore = 2

    /// How much of an index whose leading key columns are `paths` this filter can use: 2 for
    /// every leading path it pins to one value or a list of values (`=`, `in` without `null`, an
    /// `||` of such terms on the path), then 1 more when the next path has a range bound
    /// (`<`, `<=`, `>`, `>=`), as a B-tree search can. 0 means the index does not apply.
    ///
    /// Only top-level conjuncts count: a term under `||` or `!` constrains no index on its own.
    /// The score mirrors what SQLite's planner can use of the index, so that the server can name
    /// the index itself (ADR 0014) instead of relying on estimates made without statistics.
    public func indexScore(leadingPaths paths: [FieldPath]) -> Int {
        let conjuncts: [FilterExpression]
        if case .and(let operands) = expression { conjuncts = operands } else { conjuncts = [expression] }
        var score = 0
        for path in paths {
            var best = IndexConstraint.none
            for conjunct in conjuncts { best = max(best, IndexConstraint(conjunct, on: path)) }
            switch best {
            case .equality: score += Self.pinnedScore
            case .range: return score + 1
            case .none: return score
            }
        }
        return score
    }
}

/// What one filter term lets a B-tree search do on one path, weakest first.
private enum IndexConstraint: Int, Comparable {
    case none, range, equality

    init(_ expression: FilterExpression, on path: FieldPath) {
        switch expression {
        case .compare(let field, let op, _) where field == path:
            switch op {
            case .equal: self = .equality
            case .notEqual: self = .none
            case .less, .lessOrEqual, .greater, .greaterOrEqual: self = .range
            }
        case .oneOf(let field, let literals) where field == path:
            // `in [.., null]` compiles to `IN (…) OR … IS NULL`, which is not one index search.
            self = !literals.isEmpty && !literals.contains(.null) ? .equality : .none
        case .or(let operands):
            // SQLite rewrites an OR of equalities on one expression into IN.
            let pinned = operands.allSatisfy { operand in
                switch operand {
                case .compare(let field, .equal, let literal): return field == path && literal != .null
                case .oneOf(let field, let literals): return field == path && !literals.isEmpty && !literals.contains(.null)
                default: return false
                }
            }
            self = pinned ? .equality : .none
        default:
            self = .none
        }
    }

    static func < (lhs: IndexConstraint, rhs: IndexConstraint) -> Bool { lhs.rawValue < rhs.rawValue }
}
