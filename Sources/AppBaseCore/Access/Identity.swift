/// Who is making a request, as established by the API key and (optionally) a user token.
///
/// Produced by the auth layer on the loop thread from an immutable snapshot; services only read it.
public struct Identity: Sendable, Hashable {
    /// The kind of API key presented.
    public enum KeyKind: String, Sendable, Hashable, Codable {
        /// Ships in apps; needs a user token for data.
        case client
        /// Server-to-server and dashboard; may call `/admin/*` and act on any record.
        case admin
    }

    /// A signed-in user, from a verified access token.
    public struct User: Sendable, Hashable {
        public var id: String
        public var sessionID: String
        /// Token expiry, seconds since the epoch.
        public var expiresAt: Int64
        public init(id: String, sessionID: String, expiresAt: Int64) {
            self.id = id
            self.sessionID = sessionID
            self.expiresAt = expiresAt
        }
    }

    public var keyID: String?
    public var keyKind: KeyKind?
    public var user: User?
    /// The dashboard administrator acting through a dashboard session (cookie + CSRF header); such an
    /// identity has `keyKind == .admin` and no `keyID`.
    public var dashboardAdminID: String?
    /// That dashboard session's id, so a live stream can be ended when the session is revoked.
    public var dashboardSessionID: String?

    public init(keyID: String? = nil, keyKind: KeyKind? = nil, user: User? = nil, dashboardAdminID: String? = nil,
                dashboardSessionID: String? = nil) {
        self.keyID = keyID
        self.keyKind = keyKind
        self.user = user
        self.dashboardAdminID = dashboardAdminID
        self.dashboardSessionID = dashboardSessionID
    }

    /// No key, no user (health checks, signed URLs).
    public static let anonymous = Identity()

    public var isAdmin: Bool { keyKind == .admin }

    /// Whether `rule` lets this identity act on an existing resource owned by `ownerID`.
    /// A resource without an owner (created with an admin key) is reachable under `owner` by
    /// admin keys only.
    public func satisfies(_ rule: AccessRule, ownerID: String?) -> Bool {
        guard satisfiesCollectionLevel(rule) else { return false }
        guard rule == .owner, !isAdmin else { return true }
        return ownerID != nil && ownerID == user?.id
    }

    /// Whether `rule` can let this identity act on the collection or bucket as a whole — create
    /// something new in it, or list it (`owner` then means "one's own"): any signed-in user for
    /// `owner` and `authenticated`, anyone with a key for `public`, admin keys for `admin`.
    public func satisfiesCollectionLevel(_ rule: AccessRule) -> Bool {
        if isAdmin { return true }
        guard keyKind != nil else { return false }
        switch rule {
        case .admin: return false
        case .public: return true
        case .authenticated, .owner: return user != nil
        }
    }
}
