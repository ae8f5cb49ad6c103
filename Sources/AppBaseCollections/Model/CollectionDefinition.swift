import AppBaseCore
import OrderedCollections

/// One collection as the catalog knows it: its rules, its declared indexes and when it was made.
struct CollectionDefinition: Sendable, Hashable {
    var name: String
    var rules: AccessRules
    var indexes: [IndexDefinition]
    /// RFC 3339 (ms).
    var createdAt: String

    /// The admin API's view: `{name, rules, indexes, createdAt, count?}`.
    func json(count: Int64?) -> JSONValue {
        guard let count else {
            return .object([
                "name": .string(name), "rules": Self.rulesJSON(rules), "indexes": indexesJSON, "createdAt": .string(createdAt),
            ])
        }
        return .object([
            "name": .string(name), "rules": Self.rulesJSON(rules), "indexes": indexesJSON, "createdAt": .string(createdAt),
            "count": .int(count),
        ])
    }

    /// `[{"fields":[…],"unique":…}, …]`.
    var indexesJSON: JSONValue { .array(indexes.map(\.json)) }

    /// `{"read":"owner","create":"authenticated","update":"owner","delete":"owner"}`.
    static func rulesJSON(_ rules: AccessRules) -> JSONValue {
        .object([
            "read": .string(rules.read.rawValue), "create": .string(rules.create.rawValue),
            "update": .string(rules.update.rawValue), "delete": .string(rules.delete.rawValue),
        ])
    }

    /// Applies the operations named in `value` to `base` (absent operations keep their rule).
    /// - Throws: 400 `validation_failed` for unknown operations or rules, and for `public` on a
    ///   write (only reads may be public: a write always has an owner).
    static func rules(from value: JSONValue, base: AccessRules) throws(AppBaseError) -> AccessRules {
        guard let members = value.objectValue else { throw .validation("\"rules\" is an object.", field: "rules") }
        var rules = base
        for (key, ruleValue) in members {
            guard let operation = AccessOperation(rawValue: key) else {
                throw .validation("Unknown operation \"\(key)\"; use read, create, update or delete.", field: "rules")
            }
            guard let text = ruleValue.stringValue, let rule = AccessRule(rawValue: text) else {
                throw .validation("Rules are one of owner, authenticated, public, admin.", field: "rules.\(key)")
            }
            if rule == .public && operation != .read {
                throw .validation("Only read may be public.", field: "rules.\(key)")
            }
            rules[operation] = rule
        }
        return rules
    }

    /// Reads the stored `indexes` JSON array.
    static func indexes(from value: JSONValue, maxFields: Int) throws(AppBaseError) -> [IndexDefinition] {
        guard let list = value.arrayValue else { throw .validation("\"indexes\" is an array.", field: "indexes") }
        var result: [IndexDefinition] = []
        for (position, element) in list.enumerated() {
            let index = try IndexDefinition.parse(element, position: position, maxFields: maxFields)
            guard !result.contains(index) else { throw .validation("Index is declared twice.", field: "indexes[\(position)]") }
            result.append(index)
        }
        return result
    }

    /// Rebuilds a definition from its catalog row; `nil` if the stored JSON is damaged.
    static func fromRow(name: String, rulesText: String, indexesText: String, createdAt: String) -> CollectionDefinition? {
        guard let rulesValue = try? JSONParser.parse(rulesText, maxDepth: 4),
              let rules = try? Self.rules(from: rulesValue, base: .defaults),
              let indexesValue = try? JSONParser.parse(indexesText, maxDepth: 4),
              let indexes = try? Self.indexes(from: indexesValue, maxFields: Int.max)
        else { return nil }
        return CollectionDefinition(name: name, rules: rules, indexes: indexes, createdAt: createdAt)
    }
}
