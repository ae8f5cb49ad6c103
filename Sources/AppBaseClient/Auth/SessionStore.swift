/// Where the client keeps the session between launches. Implement it over the Keychain on Apple
/// platforms or a 0600 file on a server; `MemorySessionStore` forgets at exit.
public protocol SessionStore: Sendable {
    /// The stored session, if any.
    func load() async throws -> Session?
    /// Replaces the stored session (`nil` removes it).
    func save(_ session: Session?) async throws
}

/// A session store in memory only (the default).
public actor MemorySessionStore: SessionStore {
    private var session: Session?

    public init(_ session: Session? = nil) { self.session = session }

    public func load() -> Session? { session }

    public func save(_ session: Session?) { self.session = session }
}
