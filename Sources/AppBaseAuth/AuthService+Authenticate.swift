import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime

/// The per-request checks, run synchronously on the loop thread against the current snapshot.
///
/// Cost per authenticated request: one scan of the header list, one snapshot read (an uncontended
/// lock), one SHA-256 of the key, a dictionary lookup and a 32-byte constant-time compare; with a
/// bearer token, one HMAC-SHA256 verification and two more lookups. No database, no task, no hop.
extension AuthService {
    /// The identity of `request`, or the 401/403 that refuses it.
    ///
    /// - `.none` routes: anonymous, nothing checked.
    /// - The key comes from `X-API-Key`; on `.apiKeyOrQuery` routes a client key may come as `?apikey=`
    ///   and the token as `?token=` (EventSource cannot set headers). Admin keys: headers only.
    /// - A client key on `/admin/…` is 403 `forbidden`, whatever the route does.
    /// - Without a key, a dashboard session cookie counts as the app's admin on `/admin`, `/db` and
    ///   `/storage` when the request also carries the session's `X-CSRF-Token` and comes from the same
    ///   origin (`DashboardAuth.identity(for:csrf:now:)`); otherwise the cookie is ignored.
    /// - A bearer token, when present, must be valid and its `sid` a live session of its `sub`:
    ///   `invalid_token`, `token_expired`, `session_revoked` or `user_disabled` otherwise.
    public func authenticate(_ request: HTTPRequest, auth: RouteAuth) throws(AppBaseError) -> Identity {
        if auth == .none { return .anonymous }
        // Header names arrive lowercased from the parser: compare bytes, no case folding.
        var apiKey: String?
        var authorization: String?
        var csrf: String?
        for field in request.headers.fields {
            if apiKey == nil, field.name == "x-api-key" {
                apiKey = field.value
            } else if authorization == nil, field.name == "authorization" {
                authorization = field.value
            } else if csrf == nil, field.name == "x-csrf-token" {
                csrf = field.value
            }
        }
        var keyFromQuery = false
        var queryToken: String?
        if auth == .apiKeyOrQuery, apiKey == nil || authorization == nil, !request.query.isEmpty {
            for item in QueryString.parse(request.query) {
                if item.name == "apikey", apiKey == nil {
                    apiKey = item.value
                    keyFromQuery = true
                } else if item.name == "token", queryToken == nil {
                    queryToken = item.value
                }
            }
        }
        guard let apiKey, !apiKey.isEmpty else {
            // No key: a dashboard session may stand in, but only with its CSRF header (ADR 0030);
            // without the header the cookie is ignored and the request is as anonymous as any other.
            if let csrf, authorization == nil,
               let identity = try dashboard.identity(for: request, csrf: csrf, now: environment.clock.nowMilliseconds()) {
                return identity
            }
            throw AuthError.missingAPIKey.appBaseError
        }

        let snapshot = snapshots.value
        guard let key = snapshot.key(matching: apiKey), !key.revoked else { throw AuthError.invalidAPIKey.appBaseError }
        if keyFromQuery && key.kind == .admin { throw AuthError.adminKeyInQuery.appBaseError }
        if key.kind != .admin && Self.isAdminPath(request.path) { throw AuthError.adminKeyRequired.appBaseError }
        let now = environment.clock.nowMilliseconds()
        key.usage.touch(now: now)

        var identity = Identity(keyID: key.id, keyKind: key.kind)
        if let authorization {
            guard let token = Self.bearerToken(authorization) else { throw AuthError.invalidToken.appBaseError }
            identity.user = try verifyAccessToken(token, snapshot: snapshot, nowSeconds: now / 1000)
        } else if let queryToken {
            identity.user = try verifyAccessToken(queryToken, snapshot: snapshot, nowSeconds: now / 1000)
        }
        return identity
    }

    /// The client address: the socket peer, or the first untrusted `X-Forwarded-For` hop when the
    /// peer is one of `AuthSettings.trustedProxies`.
    public func clientIP(for request: HTTPRequest) -> String {
        ipResolver.clientIP(for: request)
    }

    /// The auth snapshot's version: keys, revoked sessions and disabled users change only with it
    /// (a dashboard session also ends by time, so identities with one are always re-checked).
    public var identityVersion: UInt64? { snapshots.version }

    /// nil while `identity` is still valid under the current snapshot; otherwise why not.
    public func revalidate(_ identity: Identity, nowSeconds: Int64) -> ErrorCode? {
        let snapshot = snapshots.value
        if let keyID = identity.keyID {
            guard let key = snapshot.keysByID[keyID], !key.revoked else { return .invalidAPIKey }
        }
        if let sessionID = identity.dashboardSessionID, !dashboard.book.isLive(sessionID: sessionID, now: nowSeconds * 1000) {
            return .sessionRevoked
        }
        if let user = identity.user {
            if nowSeconds >= user.expiresAt { return .tokenExpired }
            if snapshot.revokedSessions[user.sessionID] != nil { return .sessionRevoked }
            if snapshot.disabledUsers.contains(user.id) { return .userDisabled }
        }
        return nil
    }

    /// Verifies a token with the app's key and checks its session and user against the snapshot.
    private func verifyAccessToken(_ token: String, snapshot: AuthSnapshot, nowSeconds: Int64) throws(AppBaseError) -> Identity.User {
        let claims: AccessTokenClaims
        if let known = verifiedTokens.claims(for: token, now: nowSeconds) {
            claims = known
        } else {
            do {
                claims = try JWT.verify(token, key: jwtKey, expectedApp: environment.app, now: nowSeconds)
            } catch .expired {
                throw AuthError.tokenExpired.appBaseError
            } catch {
                throw AuthError.invalidToken.appBaseError
            }
            verifiedTokens.insert(token, claims)
        }
        if snapshot.revokedSessions[claims.sid] != nil { throw AuthError.sessionRevoked.appBaseError }
        if snapshot.disabledUsers.contains(claims.sub) { throw AuthError.userDisabled.appBaseError }
        // A valid signature is not enough: the session must exist and be `sub`'s. Only a holder of
        // the signing key could mint such a token; refusing it limits what a leaked key can do.
        guard snapshot.session(claims.sid, belongsTo: claims.sub) else { throw AuthError.invalidToken.appBaseError }
        return Identity.User(id: claims.sub, sessionID: claims.sid, expiresAt: claims.exp)
    }

    /// The token of `Bearer <token>` (scheme case-insensitive, as RFC 9110 says); nil otherwise.
    static func bearerToken(_ header: String) -> String? {
        let utf8 = header.utf8
        guard utf8.count > 7 else { return nil }
        var index = utf8.startIndex
        for expected in "bearer ".utf8 {
            let byte = utf8[index]
            guard byte == expected || (expected != 32 && byte == expected - 32) else { return nil }
            index = utf8.index(after: index)
        }
        while index < utf8.endIndex, utf8[index] == 32 { index = utf8.index(after: index) }
        guard index < utf8.endIndex else { return nil }
        return String(header[index...])
    }

    /// True when the first path segment is `admin` (empty segments skipped, as the router does).
    static func isAdminPath(_ path: String) -> Bool {
        var bytes = path.utf8[...]
        while bytes.first == UInt8(ascii: "/") { bytes = bytes.dropFirst() }
        guard bytes.starts(with: "admin".utf8) else { return false }
        let rest = bytes.dropFirst(5)
        return rest.isEmpty || rest.first == UInt8(ascii: "/")
    }
}
