import AppBaseCore
/// The claims of an AppBase access token (a JWT, see `JWT` and docs/adr/0005-access-tokens.md).
///
/// Every member is required; times are Unix seconds. The token says who (`sub`), through which login
/// session (`sid`, so revoking the session can be checked by id), for which app (`app`, checked
/// against the app that receives the request), when (`iat`, `exp`) and which token (`jti`).
package struct AccessTokenClaims: Sendable, Hashable {
    /// The lifetime of a new access token: 15 minutes. Refresh tokens renew it.
    package static let defaultLifetimeSeconds: Int64 = 15 * 60

    /// The user id.
    package var sub: String
    /// The session id the token was issued under.
    package var sid: String
    /// The app the token belongs to; a token is only accepted by that app.
    package var app: String
    /// Issued at, Unix seconds.
    package var iat: Int64
    /// Expires at, Unix seconds; the token is expired once `now >= exp`.
    package var exp: Int64
    /// A unique token id (random).
    package var jti: String

    /// Creates claims from explicit values.
    package init(sub: String, sid: String, app: String, iat: Int64, exp: Int64, jti: String) {
        self.sub = sub
        self.sid = sid
        self.app = app
        self.iat = iat
        self.exp = exp
        self.jti = jti
    }

    /// Claims for a new token issued `now`, valid for `lifetime` seconds, with a random 128-bit `jti`.
    package static func issue(
        userID: String, sessionID: String, app: String,
        now: Int64, lifetime: Int64 = defaultLifetimeSeconds
    ) -> AccessTokenClaims {
        precondition(lifetime > 0, "token lifetime must be positive")
        return AccessTokenClaims(
            sub: userID, sid: sessionID, app: app,
            iat: now, exp: now + lifetime,
            jti: Base64URL.encode(SecureRandom.bytes(count: 16))
        )
    }
}
