import AppBaseCore
import OrderedCollections

/// An admin's change to a bucket, parsed strictly from `POST /admin/buckets` or
/// `PATCH /admin/buckets/:bucket`: every member optional, unknown members refused; `null`
/// resets a limit to the app's default (or, for `allowedTypes`, to "any type").
struct BucketSettingsPatch: Sendable {
    /// Rules for the operations named; others unchanged.
    var rules: [AccessOperation: AccessRule] = [:]
    /// `.some(nil)`: back to the default.
    var maxFileBytes: Int64??
    var allowedTypes: [MediaTypePattern]??
    var versionsKept: Int??

    static let maxAllowedTypes = 100
    private static let members: Set<String> = ["name", "rules", "maxFileBytes", "allowedTypes", "versionsKept"]

    /// - Throws: 400 `validation_failed` naming the field.
    init(_ body: JSONValue, settings: StorageSettings) throws(AppBaseError) {
        for key in body.objectValue?.keys ?? [] where !Self.members.contains(key) {
            throw AppBaseError.validation("Unknown field \(key).", field: key)
        }
        if let rules = body["rules"] {
            guard let members = rules.objectValue else { throw AppBaseError.validation("rules must be an object.", field: "rules") }
            for (key, value) in members {
                guard let operation = AccessOperation(rawValue: key) else {
                    throw AppBaseError.validation("Unknown operation \(key).", field: "rules.\(key)")
                }
                guard let raw = value.stringValue, let rule = AccessRule(rawValue: raw) else {
                    throw AppBaseError.validation("A rule is one of owner, authenticated, public, admin.", field: "rules.\(key)")
                }
                guard rule != .public || operation == .read else {
                    throw AppBaseError.validation("public is allowed for read only.", field: "rules.\(key)")
                }
                self.rules[operation] = rule
            }
        }
        if let value = body["maxFileBytes"] {
            maxFileBytes = try Self.optionalInteger(value, field: "maxFileBytes", range: 1...settings.largestFileBytes)
        }
        if let value = body["versionsKept"] {
            versionsKept = try Self.optionalInteger(value, field: "versionsKept", range: 1...Int64(settings.maxVersionsKept))
                .map { $0.map { Int($0) } }
        }
        if let value = body["allowedTypes"] {
            allowedTypes = .some(try Self.types(value))
        }
    }

    /// `bucket` with this patch applied.
    func applied(to bucket: Bucket, now: Int64) -> Bucket {
        var result = bucket
        for (operation, rule) in rules { result.rules[operation] = rule }
        if let maxFileBytes { result.maxFileBytes = maxFileBytes }
        if let allowedTypes { result.allowedTypes = allowedTypes }
        if let versionsKept { result.versionsKept = versionsKept }
        result.updatedAt = now
        return result
    }

    private static func optionalInteger(_ value: JSONValue, field: String,
                                        range: ClosedRange<Int64>) throws(AppBaseError) -> Int64?? {
        if value == .null { return .some(nil) }
        guard let number = value.intValue, range.contains(number) else {
            throw AppBaseError.validation("\(field) must be null or an integer from \(range.lowerBound) to \(range.upperBound).",
                                          field: field)
        }
        return .some(number)
    }

    private static func types(_ value: JSONValue) throws(AppBaseError) -> [MediaTypePattern]? {
        if value == .null { return nil }
        guard let entries = value.arrayValue, entries.count <= maxAllowedTypes else {
            throw AppBaseError.validation("allowedTypes must be null or an array of at most \(maxAllowedTypes) media types.",
                                          field: "allowedTypes")
        }
        var patterns: [MediaTypePattern] = []
        for entry in entries {
            guard let text = entry.stringValue, let pattern = MediaTypePattern(text) else {
                throw AppBaseError.validation("allowedTypes entries are media types such as image/png or image/*.",
                                              field: "allowedTypes")
            }
            if !patterns.contains(pattern) { patterns.append(pattern) }
        }
        return patterns
    }
}
