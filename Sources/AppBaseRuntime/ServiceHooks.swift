import AppBaseCore
import AppBaseSQLite

/// What happened to a record — or, for `drop`, to a whole collection (deleted by an admin, with
/// all its records: a marker in the change log, so a client resuming past it is told to refetch);
/// for `rulesChanged`, to its read rule (a marker too: older entries were written under other
/// rules and are never replayed across it).
public enum RecordAction: String, Sendable, Hashable {
    case create, update, delete, drop
    case rulesChanged = "rules_changed"
}

/// One record change, as the change log stores it. Images are the records' full JSON text
/// (system fields included) as clients see them.
public struct RecordChange: Sendable {
    public var collection: String
    public var recordID: String
    public var ownerID: String?
    public var action: RecordAction
    public var oldImage: [UInt8]?
    public var newImage: [UInt8]?
    public var requestID: String?

    public init(collection: String, recordID: String, ownerID: String?, action: RecordAction,
                oldImage: [UInt8]?, newImage: [UInt8]?, requestID: String?) {
        self.collection = collection
        self.recordID = recordID
        self.ownerID = ownerID
        self.action = action
        self.oldImage = oldImage
        self.newImage = newImage
        self.requestID = requestID
    }
}

/// Appends changes to the change log inside the writer's transaction, so a record and its
/// event commit together (implemented by the change feed).
public protocol ChangeRecorder: Sendable {
    /// Appends `change`; returns its sequence number (the log row's rowid).
    /// Must be called inside `DatabaseWriter.write`; publishes to subscribers after commit.
    func record(_ change: RecordChange, in context: WriteContext) throws -> Int64
}

/// The collections' read rules, for live subscriptions (implemented by the collections service).
public protocol CollectionRulesSource: Sendable {
    /// The collection's rules, or nil when it does not exist.
    func rules(for collection: String) -> AccessRules?
    /// Signals the name of a collection whose rules changed (or that was deleted).
    var ruleChanges: Broadcast<String> { get }
    /// Whether a write to an unknown collection creates it (`implicit_collections`); when false,
    /// subscribing to an unknown collection is a 404 like any other read of it.
    var implicitCollections: Bool { get }
}

extension CollectionRulesSource {
    public var implicitCollections: Bool { true }
}

/// Answers whether a user is disabled, from memory (implemented by the auth service). Storage asks it
/// before serving a signed URL, so disabling a user revokes the URLs to their files.
public protocol UserStatusSource: Sendable {
    /// True when the user exists and is disabled.
    func isUserDisabled(_ userID: String) -> Bool
}

/// Re-checks a stream's identity when auth state changes (implemented by the auth service).
public protocol IdentityValidator: Sendable {
    /// nil while the identity is still valid; otherwise why not: `session_revoked`,
    /// `user_disabled`, `invalid_api_key` (key revoked) or `token_expired`.
    func revalidate(_ identity: Identity, nowSeconds: Int64) -> ErrorCode?
    /// Signals that keys, sessions or users changed.
    var changes: Broadcast<Void> { get }
    /// A number that changes whenever `revalidate` could answer differently for an identity
    /// without a dashboard session, other than by its token's `expiresAt` passing (which callers
    /// check themselves); nil when there is none, and every check must ask `revalidate`. Read
    /// before `revalidate`, it lets a caller that keeps the number skip the next check while it
    /// is unchanged (the change feed's fan-out: one check per stream, not one per delivery).
    var identityVersion: UInt64? { get }
}

extension IdentityValidator {
    public var identityVersion: UInt64? { nil }
}
