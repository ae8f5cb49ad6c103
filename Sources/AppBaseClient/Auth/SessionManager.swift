import Foundation

/// Owns the signed-in session: loads it from the store once, hands out the access token, runs
/// refreshes one at a time and tells listeners about every change.
///
/// Refresh is single-flight: however many requests fail with `token_expired` at once, the first
/// starts the one refresh and the others wait for its result; a request whose failed token is no
/// longer the current one uses the current one without refreshing again.
actor SessionManager {
    private enum State {
        case unloaded
        case loaded(Session?)
    }

    private let store: any SessionStore
    private var state = State.unloaded
    /// The refresh in flight, which every concurrent caller awaits.
    private var refreshing: Task<Session, any Error>?
    /// Bumped by every sign-in and sign-out, so a refresh that finishes after either is dropped.
    private var generation = 0
    private var listeners: [Int: AsyncStream<AuthStateChange>.Continuation] = [:]
    private var nextListener = 0

    init(store: any SessionStore) { self.store = store }

    /// The current session (loaded from the store on first use; a store that fails to load counts as empty).
    func current() async -> Session? {
        if case .loaded(let session) = state { return session }
        let stored = try? await store.load()
        // Another caller may have loaded or signed in while this one waited on the store.
        if case .loaded(let session) = state { return session }
        state = .loaded(stored)
        return stored
    }

    /// The access token to send, if a user is signed in.
    func accessToken() async -> String? { await current()?.accessToken }

    /// Records a new sign-in and tells the listeners.
    func signedIn(_ session: Session) async {
        generation += 1
        state = .loaded(session)
        try? await store.save(session)
        emit(.signedIn(session.user))
    }

    /// Forgets the session (after `signOut()`, or a code that ends it) and tells the listeners once.
    func end(reason: String?) async {
        guard await current() != nil else { return }
        generation += 1
        state = .loaded(nil)
        try? await store.save(nil)
        emit(.signedOut(reason: reason))
    }

    /// A fresh session after `failedToken` was refused with `token_expired`.
    /// - Throws: `signed_out` when nobody is signed in; the server's error when the refresh fails
    ///   (`refresh_token_reused`, `session_revoked`, `user_disabled`, `invalid_refresh_token`
    ///   also sign the user out).
    func refresh(replacing failedToken: String, using client: APIClient) async throws -> Session {
        if let refreshing { return try await refreshing.value }
        guard let session = await current() else { throw AppBaseError.signedOut }
        // Someone refreshed while this request was in flight: its token is already replaced.
        if session.accessToken != failedToken { return session }
        if let refreshing { return try await refreshing.value }
        let task = Task { try await performRefresh(of: session, using: client) }
        refreshing = task
        return try await task.value
    }

    /// The one refresh in flight. The new session is installed here, before any waiter resumes,
    /// so a waiter that reads the token next gets the new one.
    private func performRefresh(of session: Session, using client: APIClient) async throws -> Session {
        let startedIn = generation
        defer { refreshing = nil }
        do {
            let fresh = try await client.refreshSession(refreshToken: session.refreshToken)
            guard generation == startedIn else { throw AppBaseError.signedOut }
            state = .loaded(fresh)
            emit(.tokenRefreshed(fresh.user))
            try? await store.save(fresh)
            return fresh
        } catch let error as AppBaseError {
            if AppBaseError.sessionEndingCodes.contains(error.code), generation == startedIn { await end(reason: error.code) }
            throw error
        }
    }

    /// A new stream of auth-state changes; its first element is the current state.
    func changes() async -> AsyncStream<AuthStateChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: AuthStateChange.self, bufferingPolicy: .bufferingNewest(64))
        let id = nextListener
        nextListener += 1
        if let session = await current() {
            continuation.yield(.signedIn(session.user))
        } else {
            continuation.yield(.signedOut(reason: nil))
        }
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeListener(id) }
        }
        return stream
    }

    private func removeListener(_ id: Int) { listeners[id] = nil }

    private func emit(_ change: AuthStateChange) {
        for listener in listeners.values { listener.yield(change) }
    }
}
