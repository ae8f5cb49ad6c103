import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// `/admin/users…`: finding users, password reset, disabling, deletion. Admin key only (a client key
/// never gets here: `authenticate` answers 403 `forbidden` for any `/admin` path, and each handler
/// checks again). Sessions: `AuthService+AdminSessionRoutes.swift`; keys: `AuthService+KeyRoutes.swift`.
extension AuthService {
    /// Most users one `GET /admin/users` page returns.
    static let maximumUserPage = 200
    /// Users one page returns without `limit`.
    static let defaultUserPage = 50

    func registerAdminRoutes(on routes: inout RouteTable) {
        let limit = AuthRequestBody.limit
        routes.add(.GET, "/admin/users", auth: .apiKey, bodyLimit: limit) { [self] in try await findUsers($0, $1) }
        routes.add(.GET, "/admin/users/:id", auth: .apiKey, bodyLimit: limit) { [self] in try await getUser($0, $1) }
        routes.add(.PATCH, "/admin/users/:id", auth: .apiKey, bodyLimit: limit) { [self] in try await updateUser($0, $1) }
        routes.add(.DELETE, "/admin/users/:id", auth: .apiKey, bodyLimit: 0) { [self] in try await deleteUser($0, $1) }
        routes.add(.POST, "/admin/users/:id/password", auth: .apiKey, bodyLimit: limit) { [self] in
            try await resetPassword($0, $1)
        }
        registerAdminSessionRoutes(on: &routes)
        registerKeyRoutes(on: &routes)
    }

    /// `GET /admin/users` → `{"items":[User], "users":[User], "next": cursor|null}` (`users` is the
    /// same list, for clients of the first version of this route).
    /// - `?email=`: the one user with that exact email (or none); `next` is null.
    /// - `?emailPrefix=`: users whose email starts with it, in email order.
    /// - neither: users in creation order. Pages: `?limit=1…200` (default 50) and `?cursor=` (the
    ///   previous page's `next`); `?after=<id>` still pages the creation order.
    /// - Throws: 400 `validation_failed` for a bad email or limit, 400 `bad_request` for a bad cursor.
    func findUsers(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let now = environment.clock.nowMilliseconds()
        if let raw = request.queryValue("email") {
            guard let email = EmailAddress.normalize(raw) else {
                throw AppBaseError.validation("email is not a valid email address.", field: "email")
            }
            let found = try await environment.readers.read { connection -> [AdminUserRow] in
                guard let user = try AuthStore.user(email: email, on: connection),
                      let row = try AuthStore.adminUser(id: user.id, now: now, on: connection) else { return [] }
                return [row]
            }
            return Self.userPage(found, next: nil)
        }
        let limit = try Self.pageLimit(request.queryValue("limit"))
        let prefix = request.queryValue("emailPrefix").map { $0.lowercased() }
        let cursor = try request.queryValue("cursor").map { try UserPageCursor(decoding: $0) }
        // One row more than asked says whether a next page exists.
        let fetch = limit + 1
        let rows: [AdminUserRow]
        if let prefix {
            guard prefix.utf8.count <= EmailAddress.maximumBytes else {
                throw AppBaseError.validation("emailPrefix is longer than any email address.", field: "emailPrefix")
            }
            var after = ""
            if let cursor {
                guard case .email(let email) = cursor else { throw UserPageCursor.invalid }
                after = email
            }
            let afterEmail = after
            rows = try await environment.readers.read {
                try AuthStore.adminUsers(emailPrefix: prefix, after: afterEmail, limit: fetch, now: now, on: $0)
            }
        } else {
            var after = request.queryValue("after") ?? ""
            if let cursor {
                guard case .id(let id) = cursor else { throw UserPageCursor.invalid }
                after = id
            }
            let afterID = after
            rows = try await environment.readers.read { try AuthStore.adminUsers(after: afterID, limit: fetch, now: now, on: $0) }
        }
        let page = Array(rows.prefix(limit))
        var next: UserPageCursor?
        if rows.count > limit, let last = page.last {
            next = prefix == nil ? .id(last.user.id) : .email(last.user.email)
        }
        return Self.userPage(page, next: next)
    }

    /// `GET /admin/users/:id` → `{"user":User}`, or 404.
    func getUser(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        return .json(200, ["user": try await adminUserJSON(id)])
    }

    /// `PATCH /admin/users/:id {"disabled": bool}` → 200 `{"user":User}`. A disabled user cannot log in
    /// or refresh, their access tokens are refused (401 `user_disabled`) from the next request on, and
    /// their open change-feed streams end at once (`auth_revoked`, code `user_disabled`): the snapshot
    /// changes in `afterCommit` and its `changes` signal makes the feed re-check every stream.
    func updateUser(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        let disabled = try await AuthRequestBody.read(request).bool("disabled")
        let now = environment.clock.nowMilliseconds()
        let updated = try await environment.writer.write { [self] write -> Bool in
            guard try AuthStore.setDisabled(disabled, userID: id, now: now, on: write.connection) != nil else { return false }
            write.afterCommit { [self] in publish { $0.setUser(id, disabled: disabled) } }
            return true
        }
        guard updated else { throw AuthError.userNotFound.appBaseError }
        await audit(disabled ? AuthAuditAction.userDisabled : AuthAuditAction.userEnabled,
                    request: request, context: context, target: id)
        return .json(200, ["user": try await adminUserJSON(id)])
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

    /// `DELETE /admin/users/:id?records=keep|delete` → 200
    /// `{"user":User, "sessionsRevoked":n, "recordsDeleted":n, "filesDeleted":n}` (ADR 0027).
    ///
    /// 1. One write revokes every session and disables the user: from that commit on their tokens are
    ///    refused, their streams end and they cannot log in while the rest runs.
    /// 2. With `records=delete`, the collections' and storage's erasers delete what the user owns,
    ///    in batches, each delete with its change-log entry and audit event.
    /// 3. One write deletes the user, their sessions and refresh tokens.
    /// A failure in 2 leaves the user disabled and present: repeating the request finishes the job.
    /// - Throws: 400 `validation_failed` for another `records`; 404 for an unknown user.
    func deleteUser(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        let deleteData: Bool
        switch request.queryValue("records") {
        case nil, "keep": deleteData = false
        case "delete": deleteData = true
        default: throw AppBaseError.validation("records must be keep or delete.", field: "records")
        }
        let shown = try await adminUserJSON(id)
        let now = environment.clock.nowMilliseconds()
        let revoked = try await environment.writer.write { [self] write -> [String]? in
            guard try AuthStore.setDisabled(true, userID: id, now: now, on: write.connection) != nil else { return nil }
            let revoked = try AuthStore.revokeSessions(ofUser: id, reason: "user_deleted", now: now, on: write.connection)
            write.afterCommit { [self] in
                publish { snapshot in
                    snapshot.revokeSessions(revoked, at: now)
                    snapshot.setUser(id, disabled: true)
                }
            }
            return revoked
        }
        guard let revoked else { throw AuthError.userNotFound.appBaseError }
        var recordsDeleted = 0
        var filesDeleted = 0
        if deleteData {
            let erasers = self.erasers.value
            let actor = context.auditActor(userAgent: Self.userAgent(request))
            recordsDeleted = try await erasers.records?.eraseData(ownedBy: id, actor: actor, requestID: context.requestID) ?? 0
            filesDeleted = try await erasers.files?.eraseData(ownedBy: id, actor: actor, requestID: context.requestID) ?? 0
        }
        _ = try await environment.writer.write { [self] write in
            let deleted = try AuthStore.deleteUser(id: id, on: write.connection)
            // The id is never reused (UUIDv7) and its sessions stay in `revokedSessions` for as long as
            // any of their tokens lives, so the disabled set need not remember it.
            write.afterCommit { [self] in publish { $0.setUser(id, disabled: false) } }
            return deleted
        }
        await audit(AuthAuditAction.userDeleted, request: request, context: context, target: id,
                    details: ["records": deleteData ? "delete" : "keep", "sessionsRevoked": String(revoked.count),
                              "recordsDeleted": String(recordsDeleted), "filesDeleted": String(filesDeleted)])
        return .json(200, [
            "user": shown, "sessionsRevoked": .int(Int64(revoked.count)),
            "recordsDeleted": .int(Int64(recordsDeleted)), "filesDeleted": .int(Int64(filesDeleted)),
        ])
    }

    /// The admin view of user `id`: `{id,email,createdAt,updatedAt,disabled,lastLoginAt,sessions}`.
    /// - Throws: 404 when there is no such user.
    func adminUserJSON(_ id: String) async throws -> JSONValue {
        let now = environment.clock.nowMilliseconds()
        guard let row = try await environment.readers.read({ try AuthStore.adminUser(id: id, now: now, on: $0) }) else {
            throw AuthError.userNotFound.appBaseError
        }
        return row.json()
    }

    private static func userPage(_ rows: [AdminUserRow], next: UserPageCursor?) -> HTTPResponse {
        let items = JSONValue.array(rows.map { $0.json() })
        return .json(200, ["items": items, "users": items, "next": next.map { .string($0.encoded) } ?? .null])
    }

    /// `limit`: absent → 50; 1…200, else 400 `validation_failed`.
    static func pageLimit(_ text: String?) throws -> Int {
        guard let text else { return defaultUserPage }
        guard let value = Int(text), (1...maximumUserPage).contains(value) else {
            throw AppBaseError.validation("limit must be between 1 and \(maximumUserPage).", field: "limit")
        }
        return value
    }
}

extension AdminUserRow {
    /// The admin routes' User: `{id,email,createdAt,updatedAt,disabled,lastLoginAt,sessions}`.
    func json() -> JSONValue {
        [
            "id": .string(user.id), "email": .string(user.email),
            "createdAt": .string(Timestamp.rfc3339(milliseconds: user.createdAt)),
            "updatedAt": .string(Timestamp.rfc3339(milliseconds: user.updatedAt)),
            "disabled": .bool(user.isDisabled),
            "lastLoginAt": lastLoginAt.map { .string(Timestamp.rfc3339(milliseconds: $0)) } ?? .null,
            "sessions": .int(Int64(activeSessions)),
        ]
    }
}
