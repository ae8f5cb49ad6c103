import AppBaseCore
import OrderedCollections

/// Validates record bodies once, on write, and produces the text that is stored.
///
/// A record is a JSON object. The system fields (`id`, `ownerId`, `createdAt`, `updatedAt`,
/// `version`) are the server's: present in a body they are dropped, so GET-modify-PUT works.
/// Other top-level keys starting with `_` or `$` are reserved and rejected.
enum RecordValidator {
    static let systemFields: Set<String> = ["id", "ownerId", "createdAt", "updatedAt", "version"]

    /// Parses `bytes` as JSON, nesting at most `maxDepth` containers. Numbers keep their text,
    /// so the stored record reads back as written (`1E+2`, `-0`, integers beyond 2^53).
    /// - Throws: 400 `invalid_json` with the byte offset of the problem.
    static func parse(_ bytes: [UInt8], maxDepth: Int) throws(AppBaseError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes, maxDepth: maxDepth, keepingNumberText: true)
        } catch {
            throw error.appBaseError
        }
    }

    /// The stored `data` text for a record body (or an RFC 7396 merge patch, whose `null`
    /// members are kept: they delete keys). `field` names the value in error details.
    /// - Throws: 400 `validation_failed` for a non-object or a reserved key.
    static func dataText(_ value: JSONValue, field: String = "body") throws(AppBaseError) -> [UInt8] {
        guard case .object(var members) = value else {
            throw AppBaseError(status: 400, code: .validationFailed, message: "A record must be a JSON object.",
                               details: .object(["field": .string(field)]))
        }
        var dropped = false
        for key in members.keys {
            if systemFields.contains(key) {
                dropped = true
                continue
            }
            if let first = key.utf8.first, first == UInt8(ascii: "_") || first == UInt8(ascii: "$") {
                throw AppBaseError(status: 400, code: .validationFailed,
                                   message: "Top-level keys starting with _ or $ are reserved.",
                                   details: .object(["field": .string(field), "key": .string(key)]))
            }
        }
        if dropped {
            for name in systemFields { members.removeValue(forKey: name) }
            return JSONValue.object(members).serialized()
        }
        return value.serialized()
    }
}
