import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// `/auth/register` and `/auth/login`, and the registration of every auth route.
///
/// Every route needs the app's API key (`RouteAuth.apiKey`), register and login included (see
/// issue 4: a LAN host without the app's key cannot create accounts in it).
extension AuthService {
    /// Adds `/auth/*`, the `/admin/users*` routes and the dashboard's `/dashboard/api/*` sign-in routes.
    public func registerRoutes(on routes: inout RouteTable) {
        let limit = AuthRequestBody.limit
        routes.add(.POST, "/auth/register", auth: .apiKey, bodyLimit: limit) { [self] in try await register($0, $1) }
        routes.add(.POST, "/auth/login", auth: .apiKey, bodyLimit: limit) { [self] in try await login($0, $1) }
        routes.add(.POST, "/auth/refresh", auth: .apiKey, bodyLimit: limit) { [self] in try await refresh($0, $1) }
        routes.add(.POST, "/auth/logout", auth: .apiKey, bodyLimit: limit) { [self] in try await logout($0, $1) }
        routes.add(.GET, "/auth/me", auth: .apiKey, bodyLimit: limit, fastPath: { [self] in try cachedMe($0, $1) }) { [self] in
            try await me($0, $1)
        }
        registerAdminRoutes(on: &routes)
        registerDashboardRoutes(on: &routes)
    }

    /// `POST /auth/register {email, password}` → 201 `{user, accessToken, refreshToken, expiresIn}`.
    ///
    /// Order: registration policy, body, throttle (client keys only), a cheap duplicate check (so a
    /// taken email costs no Argon2 run), hashing on the pool, then user and session in one write whose
    /// unique index settles concurrent registrations.
    func register(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let isAdmin = context.identity.isAdmin
        if settings.registration == .closed && !isAdmin { throw AuthError.registrationClosed.appBaseError }
        let body = try await AuthRequestBody.read(request)
        let email = try body.email()
        let password = try body.newPassword()
        if !isAdmin { try throttle.admitRegistration(ip: context.clientIP) }
        if try await environment.readers.read({ try AuthStore.user(email: email, on: $0) }) != nil {
            throw AuthError.emailTaken.appBaseError
        }
        let hash = try await hashNewPassword(password)
        let now = environment.clock.nowMilliseconds()
        let user = AuthUser(id: Identifier.uuidV7(milliseconds: now), email: email, createdAt: now, updatedAt: now)
        let client = ClientInfo(request, context)
        let session = try await environment.writer.write { [self] write -> NewSession? in
            guard try AuthStore.insertUser(user, passwordHash: hash, on: write.connection) != nil else { return nil }
            return try createSession(userID: user.id, now: now, client: client, in: write)
        }
        guard let session else { throw AuthError.emailTaken.appBaseError }
        await audit(AuthAuditAction.register, request: request, context: context, userID: user.id, target: user.id,
                    details: isAdmin ? ["by": "admin"] : [:])
        return sessionResponse(status: 201, user: user, sessionID: session.id, refreshToken: session.refreshToken)
    }

    /// The result of checking a password on the hashing pool.
    private enum PasswordCheck: Sendable {
        case rejected
        /// `rehash` is a new hash when the stored one was made with other parameters.
        case accepted(rehash: String?)
    }

    /// `POST /auth/login {email, password}` → 200 `{user, accessToken, refreshToken, expiresIn}`.
    ///
    /// Wrong email and wrong password are the same 401 `invalid_credentials` in about the same time:
    /// an unknown email is verified against the hasher's dummy hash. A disabled user with the right
    /// password gets 401 `user_disabled`. Hashes made with older parameters are replaced on success.
    func login(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let body = try await AuthRequestBody.read(request)
        let email = try body.email()
        let password = try body.presentedPassword()
        try throttle.admitLogin(ip: context.clientIP, email: email)
        let credentials = try await environment.readers.read { try AuthStore.credentials(email: email, on: $0) }
        let hasher = try await state.hasher()
        let check = try await hashPool.run { () -> PasswordCheck in
            guard let credentials else {
                hasher.verifyDummy(password)
                return .rejected
            }
            guard hasher.verify(password, against: credentials.passwordHash) else { return .rejected }
            guard hasher.needsRehash(credentials.passwordHash) else { return .accepted(rehash: nil) }
            return .accepted(rehash: try? hasher.hash(password))
        }
        guard case .accepted(let rehash) = check, let credentials else {
            await audit(AuthAuditAction.loginFailed, request: request, context: context, target: credentials?.user.id,
                        details: ["reason": "invalid_credentials", "email": email])
            throw AuthError.invalidCredentials.appBaseError
        }
        let user = credentials.user
        if user.isDisabled {
            await audit(AuthAuditAction.loginFailed, request: request, context: context, target: user.id,
                        details: ["reason": "user_disabled", "email": email])
            throw AuthError.userDisabled.appBaseError
        }
        throttle.loginSucceeded(ip: context.clientIP, email: email)
        let now = environment.clock.nowMilliseconds()
        let client = ClientInfo(request, context)
        let session = try await environment.writer.write { [self] write -> NewSession in
            if let rehash { try AuthStore.setPasswordHash(rehash, userID: user.id, now: now, on: write.connection) }
            return try createSession(userID: user.id, now: now, client: client, in: write)
        }
        await audit(AuthAuditAction.login, request: request, context: context, userID: user.id, target: user.id,
                    details: rehash != nil ? ["rehashed": "true"] : [:])
        return sessionResponse(status: 200, user: user, sessionID: session.id, refreshToken: session.refreshToken)
    }
}
