import AppBaseCore

/// A bucket's configuration, as stored in `storage_buckets`.
///
/// Optional limits are stored as NULL and mean "the app's default" (`StorageSettings`), so a
/// changed default applies to every bucket that never chose its own.
struct Bucket: Sendable, Equatable {
    var name: String
    var rules: AccessRules
    /// nil: `StorageSettings.defaultMaxFileBytes`.
    var maxFileBytes: Int64?
    /// nil: any type.
    var allowedTypes: [MediaTypePattern]?
    /// nil: `StorageSettings.defaultVersionsKept`.
    var versionsKept: Int?
    /// Milliseconds since the epoch.
    var createdAt: Int64
    var updatedAt: Int64
    /// Signed URLs carry the generation they were made under and are honoured only while it is
    /// current; changing the read rule bumps it, which revokes every URL of the bucket.
    var urlGeneration: Int64 = 1

    /// A bucket as created by its first upload: the documented default rules, no limits of its own.
    static func implicit(_ name: String, now: Int64) -> Bucket {
        Bucket(name: name, rules: .defaults, maxFileBytes: nil, allowedTypes: nil, versionsKept: nil,
               createdAt: now, updatedAt: now, urlGeneration: 1)
    }

    func effectiveMaxFileBytes(_ settings: StorageSettings) -> Int64 { maxFileBytes ?? settings.defaultMaxFileBytes }

    func effectiveVersionsKept(_ settings: StorageSettings) -> Int { versionsKept ?? settings.defaultVersionsKept }

    /// Whether a stored content type is allowed (always, without a list).
    func allows(essence: String) -> Bool {
        guard let allowedTypes else { return true }
        return allowedTypes.contains { $0.matches(essence: essence) }
    }

    /// The admin API's view.
    func json(_ settings: StorageSettings) -> JSONValue {
        [
            "name": .string(name),
            "rules": Self.rulesJSON(rules),
            "maxFileBytes": .int(effectiveMaxFileBytes(settings)),
            "allowedTypes": allowedTypes.map { .array($0.map { .string($0.text) }) } ?? .null,
            "versionsKept": .int(Int64(effectiveVersionsKept(settings))),
            "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt)),
            "updatedAt": .string(Timestamp.rfc3339(milliseconds: updatedAt)),
        ]
    }

    // MARK: Column encodings

    static func rulesJSON(_ rules: AccessRules) -> JSONValue {
        [
            "read": .string(rules.read.rawValue), "create": .string(rules.create.rawValue),
            "update": .string(rules.update.rawValue), "delete": .string(rules.delete.rawValue),
        ]
    }

    /// Decodes the `rules` column; unknown or missing members keep their defaults.
    static func rules(fromColumn text: String) -> AccessRules {
        var rules = AccessRules.defaults
        guard let value = try? JSONParser.parse(text) else { return rules }
        for operation in AccessOperation.allCases {
            if let raw = value[operation.rawValue]?.stringValue, let rule = AccessRule(rawValue: raw) {
                rules[operation] = rule
            }
        }
        return rules
    }

    static func allowedTypesColumn(_ types: [MediaTypePattern]?) -> String? {
        types.map { JSONValue.array($0.map { .string($0.text) }).jsonText }
    }

    static func allowedTypes(fromColumn text: String?) -> [MediaTypePattern]? {
        guard let text, let array = (try? JSONParser.parse(text))?.arrayValue else { return nil }
        return array.compactMap { $0.stringValue.flatMap(MediaTypePattern.init) }
    }
}
