import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// `/admin/users/:id/sessions…`: a user's login sessions, and revoking one or all of them. A revoked
/// session's refresh tokens stop working, its access tokens get 401 `session_revoked` from the next
/// request on, and its open streams end at once (the snapshot changes in `afterCommit`).
extension AuthService {
    /// Most sessions `GET /admin/users/:id/sessions` lists (the newest).
    static let maximumSessionsListed = 200

    func registerAdminSessionRoutes(on routes: inout RouteTable) {
        routes.add(.GET, "/admin/users/:id/sessions", auth: .apiKey, bodyLimit: 0) { [self] in try await listSessions($0, $1) }
        routes.add(.DELETE, "/admin/users/:id/sessions", auth: .apiKey, bodyLimit: 0) { [self] in
            try await revokeAllSessions($0, $1)
        }
        routes.add(.DELETE, "/admin/users/:id/sessions/:sessionId", auth: .apiKey, bodyLimit: 0) { [self] in
            try await revokeOneSession($0, $1)
        }
    }

    /// `GET /admin/users/:id/sessions` → `{"items":[{id,createdAt,lastUsedAt,expiresAt,ip,userAgent,revokedAt}]}`,
    /// newest first, revoked and expired sessions included (at most 200); 404 for an unknown user.
    func listSessions(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        let limit = Self.maximumSessionsListed
        let sessions = try await environment.readers.read { connection -> [AdminSessionRow]? in
            guard try AuthStore.user(id: id, on: connection) != nil else { return nil }
            return try AuthStore.sessions(ofUser: id, limit: limit, on: connection)
        }
        guard let sessions else { throw AuthError.userNotFound.appBaseError }
        return .json(200, ["items": .array(sessions.map { $0.json() })])
    }

    /// `DELETE /admin/users/:id/sessions` → 200 `{"sessionsRevoked": n}`; 404 for an unknown user.
    func revokeAllSessions(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        let now = environment.clock.nowMilliseconds()
        let revoked = try await environment.writer.write { [self] write -> [String]? in
            guard try AuthStore.user(id: id, on: write.connection) != nil else { return nil }
            let revoked = try AuthStore.revokeSessions(ofUser: id, reason: "admin", now: now, on: write.connection)
            if !revoked.isEmpty { write.afterCommit { [self] in publish { $0.revokeSessions(revoked, at: now) } } }
            return revoked
        }
        guard let revoked else { throw AuthError.userNotFound.appBaseError }
        await audit(AuthAuditAction.sessionsRevokedByAdmin, request: request, context: context, target: id,
                    details: ["sessionsRevoked": String(revoked.count)])
        return .json(200, ["sessionsRevoked": .int(Int64(revoked.count))])
    }

    /// `DELETE /admin/users/:id/sessions/:sessionId` → 200 `{"session":{…}}` (revoking a revoked
    /// session changes nothing); 404 when the user has no such session.
    func revokeOneSession(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let userID = try context.parameter("id")
        let sessionID = try context.parameter("sessionId")
        let now = environment.clock.nowMilliseconds()
        let result = try await environment.writer.write { [self] write -> (session: AdminSessionRow, changed: Bool)? in
            guard let session = try AuthStore.session(id: sessionID, on: write.connection), session.userID == userID else {
                return nil
            }
            guard try AuthStore.revokeSession(sessionID, reason: "admin", now: now, on: write.connection) else {
                return (session, false)
            }
            write.afterCommit { [self] in publish { $0.revokeSessions([sessionID], at: now) } }
            var revoked = session
            revoked.revokedAt = now
            return (revoked, true)
        }
        guard let result else { throw AppBaseError.notFound("No such session for this user.") }
        if result.changed {
            await audit(AuthAuditAction.sessionsRevokedByAdmin, request: request, context: context, target: userID,
                        details: ["sessionId": sessionID, "sessionsRevoked": "1"])
        }
        return .json(200, ["session": result.session.json()])
    }
}
