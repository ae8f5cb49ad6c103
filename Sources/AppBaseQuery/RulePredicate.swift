import AppBaseCore

/// Access rules as SQL predicates (for queries) and as in-memory checks (for single records and
/// live subscriptions); both give the same decision for every record.
///
/// | rule            | admin key | signed-in user `u`     | no user     |
/// |-----------------|-----------|------------------------|-------------|
/// | `public`        | all       | all                    | all         |
/// | `authenticated` | all       | all                    | none        |
/// | `owner`         | all       | rows with owner = `u`  | none        |
/// | `admin`         | all       | none                   | none        |
///
/// A record with no owner (`owner_id` NULL) is visible under `owner` to admin keys only.
public enum RulePredicate {
    /// The predicate restricting rows to those `rule` lets the caller see.
    ///
    /// - Parameters:
    ///   - ownerColumn: the column holding the owner's id; must be a plain identifier.
    ///   - userId: the signed-in user, or `nil` for a request without a user token.
    ///   - isAdmin: whether the request uses an admin key (which bypasses rules).
    /// - Returns: `nil` when every row is allowed; otherwise a fragment such as `owner_id = ?`
    ///   (with the user id bound) or `0` when no row is allowed.
    public static func sql(
        for rule: AccessRule, ownerColumn: String = "owner_id", userId: String?, isAdmin: Bool = false
    ) -> SQLFragment? {
        precondition(FieldPath.isIdentifier(ownerColumn), "ownerColumn must be a plain SQL identifier")
        if isAdmin { return nil }
        switch rule {
        case .public:
            return nil
        case .authenticated:
            return userId == nil ? .alwaysFalse : nil
        case .owner:
            guard let userId else { return .alwaysFalse }
            return SQLFragment(sql: "\(ownerColumn) = ?", bindings: [.text(userId)])
        case .admin:
            return .alwaysFalse
        }
    }

    /// Whether `rule` lets the caller act on a record owned by `recordOwner` (`nil` = no owner).
    public static func allows(_ rule: AccessRule, recordOwner: String?, userId: String?, isAdmin: Bool) -> Bool {
        if isAdmin { return true }
        switch rule {
        case .public: return true
        case .authenticated: return userId != nil
        case .owner:
            guard let userId, let recordOwner else { return false }
            return recordOwner.hasSameUTF8(as: userId)
        case .admin: return false
        }
    }
}
