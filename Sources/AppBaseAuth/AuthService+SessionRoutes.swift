import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// `/auth/refresh`, `/auth/logout`, `/auth/me`.
extension AuthService {
    /// `POST /auth/refresh {refreshToken}` → 200 `{user, accessToken, refreshToken, expiresIn}`.
    ///
    /// Rotation and reuse detection follow `RefreshRotation`; within the grace window a rotated token
    /// gets the same pair again (docs/adr/0015-idempotent-refresh-rotation.md). Refusals: 401 `invalid_refresh_token`
    /// (unknown, malformed, expired), `session_revoked`, `user_disabled`, `refresh_token_reused`
    /// (after which the session is revoked and its access tokens refused on the next request).
    func refresh(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let body = try await AuthRequestBody.read(request)
        let presented = try body.string("refreshToken")
        guard OpaqueToken.isWellFormedRefreshToken(presented) else { throw AuthError.invalidRefreshToken.appBaseError }
        let now = environment.clock.nowMilliseconds()
        let rotation = RefreshRotation(now: now, graceMillis: settings.refreshGraceSeconds * 1000,
                                       lifetimeMillis: settings.refreshTokenTTLSeconds * 1000)
        let digest = OpaqueToken.hash(presented)
        let successor = refreshSuccessor.token(after: presented)
        let outcome = try await environment.writer.write { [self] write -> RefreshOutcome in
            let outcome = try rotation.apply(presented: digest, successor: successor, on: write.connection)
            if case .reuseDetected(_, let sessionID) = outcome {
                write.afterCommit { [self] in publish { $0.revokeSessions([sessionID], at: now) } }
            }
            return outcome
        }
        switch outcome {
        case .issued(let user, let sessionID, let refreshToken, let issuedAt, let withinGrace):
            await audit(AuthAuditAction.refresh, request: request, context: context, userID: user.id, target: sessionID,
                        details: withinGrace ? ["grace": "true"] : [:])
            // The access token is derived from the pair too (its iat is the rotation's time, its jti
            // derived from the refresh token), so every presentation within the grace window gets
            // byte-identical tokens.
            return sessionResponse(status: 200, user: user, sessionID: sessionID, refreshToken: refreshToken,
                                   issuedAt: issuedAt / 1000, tokenID: refreshSuccessor.accessTokenID(for: refreshToken))
        case .reuseDetected(let userID, let sessionID):
            await audit(AuthAuditAction.refreshReuseDetected, request: request, context: context, userID: userID,
                        target: sessionID)
            throw AuthError.refreshTokenReused.appBaseError
        case .refused(let reason, _, _):
            throw reason.appBaseError
        }
    }

    /// `POST /auth/logout` (bearer) → 204. Revokes the token's session: its refresh tokens stop
    /// working and its access tokens get 401 `session_revoked` from the next request on.
    func logout(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let user = try context.requireUser()
        let now = environment.clock.nowMilliseconds()
        try await environment.writer.write { [self] write in
            try AuthStore.revokeSession(user.sessionID, reason: "logout", now: now, on: write.connection)
            write.afterCommit { [self] in publish { $0.revokeSessions([user.sessionID], at: now) } }
        }
        await audit(AuthAuditAction.logout, request: request, context: context, target: user.sessionID)
        return .noContent()
    }

    /// `GET /auth/me` on the loop when the profile is cached (nil otherwise: `me` runs as a task).
    func cachedMe(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse? {
        let user = try context.requireUser()
        return profiles.body(for: user.id).map { HTTPResponse.json(200, $0) }
    }

    /// `GET /auth/me` (bearer) → 200 `{"user":{id,email,createdAt}}`.
    func me(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let user = try context.requireUser()
        if let cached = profiles.body(for: user.id) { return .json(200, cached) }
        guard let found = try await environment.readers.read({ try AuthStore.user(id: user.id, on: $0) }) else {
            throw AuthError.invalidToken.appBaseError
        }
        return .json(200, profiles.remember(found))
    }
}
