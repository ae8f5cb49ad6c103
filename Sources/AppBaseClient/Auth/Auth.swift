/// The auth API: sign up, sign in and out, the current user and changes to it.
public struct Auth: Sendable {
    let client: APIClient

    private struct Credentials: Encodable {
        let email: String
        let password: String
    }

    /// `POST /auth/register`: creates the user and signs them in.
    @discardableResult
    public func signUp(email: String, password: String) async throws -> Session {
        try await authenticate("register", email: email, password: password)
    }

    /// `POST /auth/login`.
    @discardableResult
    public func signIn(email: String, password: String) async throws -> Session {
        try await authenticate("login", email: email, password: password)
    }

    /// Register or login: both answer a session, which becomes the current one.
    private func authenticate(_ route: String, email: String, password: String) async throws -> Session {
        let request = try APIRequest("POST", ["auth", route], json: Credentials(email: email, password: password), authorization: .none)
        let session = try await client.send(request, decoding: Session.self)
        await client.sessions.signedIn(session)
        return session
    }

    /// `POST /auth/logout`, then forgets the session locally whatever the server said (a network
    /// failure must not leave the user signed in on this device).
    public func signOut() async {
        if await client.sessions.current() != nil {
            _ = try? await client.send(APIRequest("POST", ["auth", "logout"], authorization: .user))
        }
        await client.sessions.end(reason: nil)
    }

    /// The signed-in user, from the stored session (no request).
    public var currentUser: User? {
        get async { await client.sessions.current()?.user }
    }

    /// The stored session, if any.
    public var session: Session? {
        get async { await client.sessions.current() }
    }

    /// `GET /auth/me`: the signed-in user as the server sees them now.
    public func fetchUser() async throws -> User {
        struct Answer: Decodable { let user: User }
        return try await client.send(APIRequest("GET", ["auth", "me"], authorization: .user), decoding: Answer.self).user
    }

    /// Every change of who is signed in, starting with the current state. Sign-outs the server
    /// forces (`session_revoked`, `user_disabled`, `refresh_token_reused`) arrive here with their code.
    public func authStateChanges() async -> AsyncStream<AuthStateChange> {
        await client.sessions.changes()
    }
}
