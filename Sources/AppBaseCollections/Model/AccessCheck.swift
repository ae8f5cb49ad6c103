import AppBaseCore
import AppBaseQuery

/// Rule decisions for requests, in two steps: a collection-level gate before anything is read
/// (wrong kind of caller: 401/403), then a per-record check whose denial looks like absence.
enum AccessCheck {
    /// Throws unless `identity` could perform `operation` on some record under `rule`:
    /// admin keys always can; `admin` rules refuse client keys (403 `forbidden`); `public` reads
    /// need no user; everything else needs a user token (401 `missing_token`).
    static func gate(_ rule: AccessRule, _ operation: AccessOperation, _ identity: Identity) throws(AppBaseError) {
        if identity.isAdmin { return }
        guard identity.keyKind != nil else {
            throw .unauthorized(.missingAPIKey, "This route needs an API key (X-API-Key).")
        }
        switch rule {
        case .admin:
            throw .forbidden("Only admin keys may \(operation.rawValue) records of this collection.")
        case .public where operation == .read:
            return
        case .public, .authenticated, .owner:
            guard identity.user != nil else {
                throw .unauthorized(.missingToken, "This route needs a user access token (Authorization: Bearer).")
            }
        }
    }

    /// Whether `rule` lets `identity` act on a record owned by `ownerID`.
    static func allows(_ rule: AccessRule, ownerID: String?, _ identity: Identity) -> Bool {
        RulePredicate.allows(rule, recordOwner: ownerID, userId: identity.user?.id, isAdmin: identity.isAdmin)
    }

    /// After a per-record denial of a write: 403 when the caller may read the record (it knows
    /// the record exists), 404 otherwise, so ids never leak.
    static func denial(_ rules: AccessRules, _ operation: AccessOperation, ownerID: String?,
                       _ identity: Identity) -> AppBaseError {
        if allows(rules.read, ownerID: ownerID, identity) {
            return .forbidden("You may not \(operation.rawValue) this record.")
        }
        return .notFound("Record not found.")
    }
}
