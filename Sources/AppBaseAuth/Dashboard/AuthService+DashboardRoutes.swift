import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite

/// `/dashboard/api/setup` and `/dashboard/api/session`: the dashboard's sign-in, on every app's port.
///
/// These routes take no API key (`RouteAuth.none`): the browser has none. They read the session
/// cookie themselves, and only from same-origin requests (`DashboardCookie.isCrossOrigin`).
extension AuthService {
    /// Audit actions of the dashboard's sign-in.
    enum DashboardAuditAction {
        static let setup = "dashboard.setup"
        static let login = "dashboard.login"
        static let loginFailed = "dashboard.login.failed"
        static let logout = "dashboard.logout"
    }

    func registerDashboardRoutes(on routes: inout RouteTable) {
        let limit = AuthRequestBody.limit
        routes.add(.POST, "/dashboard/api/setup", auth: .none, bodyLimit: limit) { [self] in try await dashboardSetup($0, $1) }
        routes.add(.POST, "/dashboard/api/session", auth: .none, bodyLimit: limit) { [self] in try await dashboardLogin($0, $1) }
        routes.add(.GET, "/dashboard/api/session", auth: .none, bodyLimit: 0) { [self] in try dashboardSession($0, $1) }
        routes.add(.DELETE, "/dashboard/api/session", auth: .none, bodyLimit: 0) { [self] in try await dashboardLogout($0, $1) }
    }

    /// `POST /dashboard/api/setup {token, email, password}` → 201 `{admin, csrfToken}` + the cookie.
    ///
    /// Works once, while no admin exists, with the token of the link printed at start-up. The token is
    /// checked before any hashing and again, with the admin count, inside the write that consumes it,
    /// so two concurrent setups cannot both create an admin.
    /// - Throws: 403 `forbidden` for a used, expired or wrong token or when an admin exists; 400 for a bad
    ///   body; 429 when throttled.
    func dashboardSetup(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let body = try await AuthRequestBody.read(request)
        let token = try body.string("token")
        let email = try body.email()
        let password = try body.newPassword()
        try dashboard.throttle.admitLogin(ip: context.clientIP, email: "\u{0}setup")
        let refused = AppBaseError.forbidden(
            "This setup link is not valid: it was already used, has expired, or an admin already exists. Sign in instead, or ask the operator to run `appbase admin create`.")
        guard OpaqueToken.isWellFormedRefreshToken(token) else { throw refused }
        let hash = OpaqueToken.hash(token)
        let checkedAt = environment.clock.nowMilliseconds()
        let usable = try await environment.readers.read { connection in
            try DashboardStore.adminCount(on: connection) == 0
                && DashboardStore.setupTokenIsValid(hash: hash, now: checkedAt, on: connection)
        }
        guard usable else { throw refused }
        let passwordHash = try await hashNewPassword(password)
        let now = environment.clock.nowMilliseconds()
        let admin = DashboardAdmin(id: Identifier.uuidV7(milliseconds: now), email: email, createdAt: now, lastLoginAt: now)
        let client = ClientInfo(request, context)
        let created = try await environment.writer.write { [self] write -> NewDashboardSession? in
            let connection = write.connection
            guard try DashboardStore.adminCount(on: connection) == 0,
                  try DashboardStore.consumeSetupToken(hash: hash, now: now, on: connection),
                  try DashboardStore.insertAdmin(admin, passwordHash: passwordHash, on: connection) else { return nil }
            try DashboardStore.recordLogin(adminID: admin.id, rehash: nil, now: now, on: connection)
            try DashboardStore.deleteUnusedSetupTokens(on: connection)
            return try createDashboardSession(admin: admin, now: now, client: client, adminCreated: true, in: write)
        }
        guard let created else { throw refused }
        await auditDashboard(DashboardAuditAction.setup, request: request, context: context, adminID: admin.id,
                             details: ["email": email])
        return sessionAnswer(status: 201, created, request: request)
    }

    /// `POST /dashboard/api/session {email, password}` → 200 `{admin, csrfToken}` + the cookie.
    ///
    /// Like `/auth/login`: throttled before any hashing, an unknown email costs a dummy verification,
    /// and wrong email or password are the same 401 `invalid_credentials`.
    func dashboardLogin(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let body = try await AuthRequestBody.read(request)
        let email = try body.email()
        let password = try body.presentedPassword()
        try dashboard.throttle.admitLogin(ip: context.clientIP, email: email)
        let credentials = try await environment.readers.read { try DashboardStore.credentials(email: email, on: $0) }
        let hasher = try await state.hasher()
        let rehash = try await hashPool.run { () -> String?? in
            guard let credentials else {
                hasher.verifyDummy(password)
                return nil
            }
            guard hasher.verify(password, against: credentials.hash) else { return nil }
            return .some(hasher.needsRehash(credentials.hash) ? try? hasher.hash(password) : nil)
        }
        guard let rehash, let admin = credentials?.admin else {
            await auditDashboard(DashboardAuditAction.loginFailed, request: request, context: context,
                                 target: credentials?.admin.id, details: ["reason": "invalid_credentials", "email": email])
            throw AuthError.invalidCredentials.appBaseError
        }
        dashboard.throttle.loginSucceeded(ip: context.clientIP, email: email)
        let now = environment.clock.nowMilliseconds()
        let client = ClientInfo(request, context)
        let created = try await environment.writer.write { [self] write -> NewDashboardSession in
            try DashboardStore.recordLogin(adminID: admin.id, rehash: rehash, now: now, on: write.connection)
            return try createDashboardSession(admin: admin, now: now, client: client, in: write)
        }
        await auditDashboard(DashboardAuditAction.login, request: request, context: context, adminID: admin.id)
        return sessionAnswer(status: 200, created, request: request)
    }

    /// `GET /dashboard/api/session` → 200 `{admin, csrfToken}` for a same-origin request with a live
    /// cookie (how a reloaded page learns its CSRF token again); 401 `unauthorized` otherwise.
    func dashboardSession(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse {
        guard let signedIn = dashboard.session(of: request, now: environment.clock.nowMilliseconds()) else {
            throw AppBaseError.unauthorized(.unauthorized, "Not signed in to the dashboard.")
        }
        let (session, token) = signedIn
        let body: JSONValue = ["admin": session.admin.json, "csrfToken": .string(dashboard.cookie.csrfToken(for: token))]
        return .json(200, body, headers: HTTPHeaders("Cache-Control", "no-store"))
    }

    /// `DELETE /dashboard/api/session` (cookie + `X-CSRF-Token`) → 200 `{"signedOut":true}`, the cookie
    /// cleared and the session revoked: the cookie stops working at once, streams opened with it end.
    func dashboardLogout(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let now = environment.clock.nowMilliseconds()
        guard let signedIn = dashboard.session(of: request, now: now) else {
            throw AppBaseError.unauthorized(.unauthorized, "Not signed in to the dashboard.")
        }
        let (session, token) = signedIn
        guard let csrf = request.headers["x-csrf-token"], dashboard.cookie.csrfMatches(csrf, cookieToken: token) else {
            throw AppBaseError.forbidden("Signing out needs the session's X-CSRF-Token header; reload the page.")
        }
        let tokenHash = OpaqueToken.hash(token)
        try await environment.writer.write { [self] write in
            try DashboardStore.revokeSession(id: session.id, now: now, on: write.connection)
            write.afterCommit { [self] in
                dashboard.book.remove(tokenHash: tokenHash)
                changes.send(())
            }
        }
        var identity = context
        identity.identity = Identity(keyKind: .admin, dashboardAdminID: session.admin.id, dashboardSessionID: session.id)
        await auditDashboard(DashboardAuditAction.logout, request: request, context: identity, target: session.id)
        let headers = HTTPHeaders([("Set-Cookie", DashboardCookie.clearedCookie(secure: isSecure(request))),
                                   ("Cache-Control", "no-store")])
        return .json(200, ["signedOut": true], headers: headers)
    }

    // MARK: Support

    /// A new dashboard session's cookie token and what goes in the answer.
    struct NewDashboardSession: Sendable {
        let session: DashboardSessionBook.Session
        let token: String
    }

    /// Inserts a session inside a write; after the commit the book learns it, before the answer
    /// carrying its cookie is sent.
    func createDashboardSession(admin: DashboardAdmin, now: Int64, client: ClientInfo, adminCreated: Bool = false,
                                in write: WriteContext) throws -> NewDashboardSession {
        let token = OpaqueToken.generateRefreshToken()
        let session = DashboardSessionBook.Session(id: Identifier.uuidV7(milliseconds: now), admin: admin,
                                                   expiresAt: now + DashboardCookie.lifetimeSeconds * 1000)
        let tokenHash = OpaqueToken.hash(token)
        try DashboardStore.insertSession(session, tokenHash: tokenHash, now: now, ip: client.ip, userAgent: client.userAgent,
                                         on: write.connection)
        write.afterCommit { [self] in dashboard.book.add(session, tokenHash: tokenHash, adminCreated: adminCreated) }
        return NewDashboardSession(session: session, token: token)
    }

    /// `{admin, csrfToken}` with the cookie; never cached.
    private func sessionAnswer(status: Int, _ created: NewDashboardSession, request: HTTPRequest) -> HTTPResponse {
        let body: JSONValue = ["admin": created.session.admin.json,
                               "csrfToken": .string(dashboard.cookie.csrfToken(for: created.token))]
        let headers = HTTPHeaders([("Set-Cookie", DashboardCookie.setCookie(created.token, secure: isSecure(request))),
                                   ("Cache-Control", "no-store")])
        return .json(status, body, headers: headers)
    }

    /// True when the browser reached us over TLS: a trusted proxy said so in `X-Forwarded-Proto`
    /// (the server itself speaks plain HTTP).
    func isSecure(_ request: HTTPRequest) -> Bool {
        ipResolver.isTrustedPeer(request) && request.headers["x-forwarded-proto"]?.lowercased() == "https"
    }

    /// An audit event whose actor is the dashboard admin (`dashboard_admin`).
    func auditDashboard(_ action: String, request: HTTPRequest, context: RequestContext, adminID: String? = nil,
                        target: String? = nil, details: [String: String] = [:]) async {
        let actor = AuditActor(ip: context.clientIP, userAgent: Self.userAgent(request),
                               dashboardAdminID: adminID ?? context.identity.dashboardAdminID)
        await environment.audit(action, actor: actor, target: target ?? adminID, requestID: context.requestID, details: details)
    }
}
