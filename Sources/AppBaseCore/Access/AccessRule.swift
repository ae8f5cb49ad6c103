/// Who may perform one operation on a collection or bucket.
///
/// Admin keys may always act; the rule decides for client keys with (or without) a user token.
public enum AccessRule: String, Sendable, Hashable, CaseIterable, Codable {
    /// Only the record's (or file's) owner.
    case owner
    /// Any signed-in user of the app.
    case authenticated
    /// Anyone holding the app's client key, even without a user token. Valid for `read` only.
    case `public`
    /// Admin keys only.
    case admin
}

/// The operations rules are declared for.
public enum AccessOperation: String, Sendable, Hashable, CaseIterable, Codable {
    /// Get, list and subscribe.
    case read
    case create
    /// Replace, merge, new file versions, restore.
    case update
    case delete
}

/// One rule per operation, with the documented defaults: `read`, `update`, `delete` = owner; `create` = authenticated.
public struct AccessRules: Sendable, Hashable, Codable {
    public var read: AccessRule
    public var create: AccessRule
    public var update: AccessRule
    public var delete: AccessRule

    public init(read: AccessRule = .owner, create: AccessRule = .authenticated,
                update: AccessRule = .owner, delete: AccessRule = .owner) {
        self.read = read
        self.create = create
        self.update = update
        self.delete = delete
    }

    /// The defaults for a collection or bucket created implicitly.
    public static let defaults = AccessRules()

    /// The rule for one operation.
    public subscript(operation: AccessOperation) -> AccessRule {
        get {
            switch operation {
            case .read: return read
            case .create: return create
            case .update: return update
            case .delete: return delete
            }
        }
        set {
            switch operation {
            case .read: read = newValue
            case .create: create = newValue
            case .update: update = newValue
            case .delete: delete = newValue
            }
        }
    }
}
