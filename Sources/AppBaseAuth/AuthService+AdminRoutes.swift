import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// `/admin/users…`: finding users, password reset, disabling. Admin key only (a client key never gets
/// here: `authenticate` answers 403 `forbidden` for any `/admin` path, and each handler checks again).
extension AuthService {
    /// Most users one `GET /admin/users` page returns.
    static let maximumUserPage = 200

    func registerAdminRoutes(on routes: inout RouteTable) {
        let limit = AuthRequestBody.limit
        routes.add(.GET, "/admin/users", auth: .apiKey, bodyLimit: limit) { [self] in try await findUsers($0, $1) }
        routes.add(.GET, "/admin/users/:id", auth: .apiKey, bodyLimit: limit) { [self] in try await getUser($0, $1) }
        routes.add(.PATCH, "/admin/users/:id", auth: .apiKey, bodyLimit: limit) { [self] in try await updateUser($0, $1) }
        routes.add(.POST, "/admin/users/:id/password", auth: .apiKey, bodyLimit: limit) { [self] in
            try await resetPassword($0, $1)
        }
    }

    /// `GET /admin/users?email=` → `{"users":[…]}` with the one user that has the email (or none).
    /// Without `email`: a page of users in creation order, `?after=<id>&limit=<1…200, default 50>`.
    func findUsers(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let users: [AuthUser]
        if let raw = request.queryValue("email") {
            guard let email = EmailAddress.normalize(raw) else {
                throw AppBaseError.validation("email is not a valid email address.", field: "email")
            }
            users = try await environment.readers.read { try AuthStore.user(email: email, on: $0) }.map { [$0] } ?? []
        } else {
            let after = request.queryValue("after") ?? ""
            var limit = 50
            if let text = request.queryValue("limit") {
                guard let value = Int(text), (1...Self.maximumUserPage).contains(value) else {
                    throw AppBaseError.validation("limit must be between 1 and \(Self.maximumUserPage).", field: "limit")
                }
                limit = value
            }
            let pageSize = limit
            users = try await environment.readers.read { try AuthStore.users(after: after, limit: pageSize, on: $0) }
        }
        return .json(200, ["users": .array(users.map { $0.adminJSON() })])
    }

    /// `GET /admin/users/:id` → `{"user":{id,email,createdAt,updatedAt,disabled}}`, or 404.
    func getUser(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        guard let user = try await environment.readers.read({ try AuthStore.user(id: id, on: $0) }) else {
            throw AuthError.userNotFound.appBaseError
        }
        return .json(200, ["user": user.adminJSON()])
    }

    /// `PATCH /admin/users/:id {"disabled": bool}` → 200 `{"user":…}`. A disabled user cannot log in or
    /// refresh, and their access tokens are refused (401 `user_disabled`) from the next request on.
    func updateUser(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        let disabled = try await AuthRequestBody.read(request).bool("disabled")
        let now = environment.clock.nowMilliseconds()
        let updated = try await environment.writer.write { [self] write -> AuthUser? in
            guard let user = try AuthStore.setDisabled(disabled, userID: id, now: now, on: write.connection) else { return nil }
            write.afterCommit { [self] in publish { $0.setUser(id, disabled: disabled) } }
            return user
        }
        guard let updated else { throw AuthError.userNotFound.appBaseError }
        await audit(disabled ? AuthAuditAction.userDisabled : AuthAuditAction.userEnabled,
                    request: request, context: context, target: id)
        return .json(200, ["user": updated.adminJSON()])
    }

    /// `POST /admin/users/:id/password {password}` → 200 `{"user":…, "sessionsRevoked": n}`. Sets the
    /// password and revokes every session of the user (their refresh tokens stop working, their access
    /// tokens get 401 `session_revoked`).
    func resetPassword(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        let password = try await AuthRequestBody.read(request).newPassword()
        guard try await environment.readers.read({ try AuthStore.user(id: id, on: $0) }) != nil else {
            throw AuthError.userNotFound.appBaseError
        }
        let hash = try await hashNewPassword(password)
        let now = environment.clock.nowMilliseconds()
        let result = try await environment.writer.write { [self] write -> (AuthUser, Int)? in
            guard try AuthStore.setPasswordHash(hash, userID: id, now: now, on: write.connection),
                  let user = try AuthStore.user(id: id, on: write.connection) else { return nil }
            let revoked = try AuthStore.revokeSessions(ofUser: id, reason: "password_reset", now: now, on: write.connection)
            if !revoked.isEmpty { write.afterCommit { [self] in publish { $0.revokeSessions(revoked, at: now) } } }
            return (user, revoked.count)
        }
        guard let (user, revokedCount) = result else { throw AuthError.userNotFound.appBaseError }
        await audit(AuthAuditAction.passwordReset, request: request, context: context, target: id,
                    details: ["sessionsRevoked": String(revokedCount)])
        return .json(200, ["user": user.adminJSON(), "sessionsRevoked": .int(Int64(revokedCount))])
    }
}
