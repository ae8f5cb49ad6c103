import AppBaseCore

/// Every refusal of the auth layer, with the one place that maps it to an HTTP status, a stable code
/// and a message. Messages are fixed strings: they never echo a key, token, password or email.
enum AuthError: Error, Sendable, Hashable {
    /// No `X-API-Key` (nor `?apikey=` where allowed).
    case missingAPIKey
    /// Unknown, revoked or another app's key.
    case invalidAPIKey
    /// An admin key in the query string: admin keys are accepted in headers only.
    case adminKeyInQuery
    /// The route needs a user access token and none was sent.
    case missingToken
    /// Malformed, not HS256, badly signed or another app's token; or an unusable `Authorization` header.
    case invalidToken
    /// A genuine token of this app past its `exp`: the only code on which SDKs refresh.
    case tokenExpired
    /// The token's session was revoked (logout, password reset, refresh-token reuse).
    case sessionRevoked
    /// The user is disabled.
    case userDisabled
    /// A client key on an admin route.
    case adminKeyRequired
    /// Wrong email or password (the same whether or not the email exists).
    case invalidCredentials
    /// Registration with an email that has an account.
    case emailTaken
    /// A rotated refresh token presented after the grace window: the session is now revoked.
    case refreshTokenReused
    /// An unknown, malformed or expired refresh token.
    case invalidRefreshToken
    /// `registration = closed` and the request has no admin key.
    case registrationClosed
    /// No user with that id.
    case userNotFound
    /// The service has not started or is shutting down.
    case unavailable

    /// The error as clients see it.
    var appBaseError: AppBaseError {
        switch self {
        case .missingAPIKey:
            return .unauthorized(.missingAPIKey, "This route needs the app's API key in the X-API-Key header.")
        case .invalidAPIKey:
            return .unauthorized(.invalidAPIKey, "The API key is not valid for this app.")
        case .adminKeyInQuery:
            return .unauthorized(.invalidAPIKey, "Admin keys are accepted only in the X-API-Key header.")
        case .missingToken:
            return .unauthorized(.missingToken, "This route needs a user access token (Authorization: Bearer).")
        case .invalidToken:
            return .unauthorized(.invalidToken, "The access token is not valid.")
        case .tokenExpired:
            return .unauthorized(.tokenExpired, "The access token has expired; refresh it.")
        case .sessionRevoked:
            return .unauthorized(.sessionRevoked, "The session has been signed out.")
        case .userDisabled:
            return .unauthorized(.userDisabled, "The account is disabled.")
        case .adminKeyRequired:
            return .forbidden("This route needs an admin API key.")
        case .invalidCredentials:
            return .unauthorized(.invalidCredentials, "Wrong email or password.")
        case .emailTaken:
            return AppBaseError(status: 409, code: .emailTaken, message: "An account with this email already exists.",
                                details: ["field": "email"])
        case .refreshTokenReused:
            return .unauthorized(.refreshTokenReused, "The refresh token was already used; the session has been revoked.")
        case .invalidRefreshToken:
            return .unauthorized(.invalidRefreshToken, "The refresh token is not valid.")
        case .registrationClosed:
            return AppBaseError(status: 403, code: .registrationClosed, message: "Registration is closed for this app.")
        case .userNotFound:
            return .notFound("No such user.")
        case .unavailable:
            return AppBaseError(status: 503, code: .unavailable, message: "Authentication is not available yet; retry later.",
                                retryAfterSeconds: 1)
        }
    }
}
