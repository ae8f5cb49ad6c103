import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// What the route handlers share: token issuing, session creation, password hashing on the pool,
/// audit events.
extension AuthService {
    /// Where a request came from, as stored with a new session.
    struct ClientInfo: Sendable {
        let ip: String
        let userAgent: String?
        init(_ request: HTTPRequest, _ context: RequestContext) {
            ip = context.clientIP
            userAgent = AuthService.userAgent(request)
        }
    }

    /// A new login session's first refresh token and its id.
    struct NewSession: Sendable {
        let id: String
        let refreshToken: String
    }

    /// Creates a session and its first refresh token for `userID` inside a write; after the commit the
    /// snapshot learns the session's owner, before the response carrying its first token is sent.
    func createSession(userID: String, now: Int64, client: ClientInfo, in write: WriteContext) throws -> NewSession {
        let session = NewSession(id: Identifier.uuidV7(milliseconds: now), refreshToken: OpaqueToken.generateRefreshToken())
        try AuthStore.createSession(id: session.id, userID: userID, tokenDigest: OpaqueToken.hash(session.refreshToken),
                                    now: now, expiresAt: now + settings.refreshTokenTTLSeconds * 1000,
                                    ip: client.ip, userAgent: client.userAgent, on: write.connection)
        let sessionID = session.id
        write.afterCommit { [self] in publish { $0.addSessions([(id: sessionID, userID: userID)]) } }
        return session
    }

    /// `{user, accessToken, refreshToken, expiresIn}` with an access token for the session: a new one
    /// (now, random `jti`), or — for a refresh — the one fixed by `issuedAt` (Unix seconds) and `tokenID`,
    /// with `expiresIn` counting what is left of it.
    /// `Cache-Control: no-store`: responses carrying tokens must not be cached (RFC 6749 §5.1).
    func sessionResponse(status: Int, user: AuthUser, sessionID: String, refreshToken: String,
                         issuedAt: Int64? = nil, tokenID: String? = nil) -> HTTPResponse {
        let now = environment.clock.nowSeconds()
        var claims = AccessTokenClaims.issue(userID: user.id, sessionID: sessionID, app: environment.app,
                                             now: issuedAt ?? now, lifetime: settings.accessTokenTTLSeconds)
        if let tokenID { claims.jti = tokenID }
        let body: JSONValue = [
            "user": user.json(),
            "accessToken": .string(JWT.sign(claims: claims, key: jwtKey)),
            "refreshToken": .string(refreshToken),
            "expiresIn": .int(max(1, claims.exp - now)),
        ]
        return .json(status, body, headers: HTTPHeaders("Cache-Control", "no-store"))
    }

    /// Hashes a new password on the hashing pool.
    /// - Throws: 503 `server_busy` with `Retry-After` when the pool's queue is full or libsodium cannot
    ///   allocate; 503 `unavailable` when the service is not running.
    func hashNewPassword(_ password: String) async throws -> String {
        let hasher = try await state.hasher()
        do {
            return try await hashPool.run { () throws -> String in try hasher.hash(password) }
        } catch let error as PasswordHashError {
            switch error {
            case .passwordTooShort, .passwordTooLong:
                throw AppBaseError.validation("password must be 8 to 1024 bytes.", field: "password")
            case .hashingFailed, .invalidParameters:
                throw AppBaseError.serverBusy(retryAfterSeconds: hashPool.retryAfterSeconds, "Password hashing is unavailable; retry later.")
            }
        }
    }

    /// Publishes an audit event for `request` (lossless; waits if the audit subscriber is behind).
    func audit(_ action: String, request: HTTPRequest, context: RequestContext, userID: String? = nil,
               target: String? = nil, details: [String: String] = [:]) async {
        let actor = AuditActor(userID: userID ?? context.identity.user?.id, keyID: context.identity.keyID,
                               ip: context.clientIP, userAgent: Self.userAgent(request),
                               dashboardAdminID: context.identity.dashboardAdminID)
        await environment.audit(action, actor: actor, target: target, requestID: context.requestID, details: details)
    }

    /// The `User-Agent`, cut to 256 characters (stored with sessions and in audit events).
    static func userAgent(_ request: HTTPRequest) -> String? {
        request.headers["user-agent"].map { String($0.prefix(256)) }
    }
}
