import AppBaseCore

/// Rule decisions for buckets and files, with the collections' semantics: admin keys may do
/// anything; `public` lets any client key read; `authenticated` needs a user token; `owner`
/// needs the file's owner; `admin` needs an admin key. A file the caller may not read is
/// reported as missing (404), so its existence does not leak.
enum StorageAccess {
    /// Whether `identity` passes `rule` for an existing file. A file created with an admin key
    /// and no user has no owner: under `owner` only admin keys reach it.
    static func allows(_ identity: Identity, _ rule: AccessRule, fileOwner: String?) -> Bool {
        identity.satisfies(rule, ownerID: fileOwner)
    }

    /// For operations on the bucket as a whole (upload of a new file, list).
    /// - Throws: 401 `missing_token` when a user token would help, else 403 `forbidden`.
    static func requireBucket(_ identity: Identity, _ rule: AccessRule) throws(AppBaseError) {
        guard !identity.satisfiesCollectionLevel(rule) else { return }
        if identity.user == nil && (rule == .owner || rule == .authenticated) {
            throw AppBaseError.unauthorized(.missingToken, "This bucket needs a user access token (Authorization: Bearer).")
        }
        throw AppBaseError.forbidden("This bucket's rules do not allow that.")
    }

    /// 404 unless the caller may read the file.
    static func requireRead(_ identity: Identity, _ rules: AccessRules, _ file: StoredFile) throws(AppBaseError) {
        guard allows(identity, rules.read, fileOwner: file.ownerID) else { throw StorageErrors.fileNotFound }
    }

    /// For `update` (new versions, restore) and `delete`: 404 unless readable, then 403 unless allowed.
    static func requireWrite(_ identity: Identity, _ rules: AccessRules, _ operation: AccessOperation,
                             _ file: StoredFile) throws(AppBaseError) {
        try requireRead(identity, rules, file)
        guard allows(identity, rules[operation], fileOwner: file.ownerID) else {
            throw AppBaseError.forbidden("This bucket's rules do not allow \(operation.rawValue) on this file.")
        }
    }

    /// The owner filter for a list: a non-admin under the `owner` read rule sees only their files.
    static func listOwnerFilter(_ identity: Identity, _ rules: AccessRules) -> String? {
        guard !identity.isAdmin, rules.read == .owner else { return nil }
        return identity.user?.id
    }
}
