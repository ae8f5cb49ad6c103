/// A user of the app, as the auth routes return it.
public struct User: Codable, Sendable, Hashable {
    public let id: String
    public let email: String
    /// RFC 3339, UTC.
    public let createdAt: String
}

/// A signed-in user's tokens: what `POST /auth/login`, `/auth/register` and `/auth/refresh` answer,
/// and what a `SessionStore` keeps.
public struct Session: Codable, Sendable, Equatable {
    public let user: User
    /// The short-lived bearer token sent on every user request.
    public let accessToken: String
    /// The rotating token that gets a new pair when the access token expires.
    public let refreshToken: String
    /// Seconds the access token had left when it was issued.
    public let expiresIn: Int?
}

/// A change of who is signed in, as `Auth.authStateChanges()` reports it.
public enum AuthStateChange: Sendable, Equatable {
    /// A user signed in or up (also the first element when one is signed in already).
    case signedIn(User)
    /// The tokens were refreshed; the user is the same.
    case tokenRefreshed(User)
    /// Nobody is signed in any more: `reason` is nil after `signOut()` (or when nobody was signed in
    /// to begin with), else the server's code (`session_revoked`, `user_disabled`,
    /// `refresh_token_reused`, `invalid_refresh_token`).
    case signedOut(reason: String?)
}
