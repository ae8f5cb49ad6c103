import Foundation

/// The AppBase client: auth, database and storage of one app, in Swift concurrency.
///
/// ```swift
/// let client = AppBaseClient(endpoint: URL(string: "http://localhost:3101")!, apiKey: "hs_live_…")
/// try await client.auth.signIn(email: email, password: password)
/// let notes = client.db.collection("notes", as: Note.self)
/// let page = try await notes.list(filter: #"done = false"#)
/// for try await change in notes.subscribe(since: page.changeSeq) { … }
/// ```
///
/// Tokens are refreshed automatically (one refresh however many requests need it); `429` and
/// `503` answers are retried after `Retry-After`; subscriptions resume without gaps.
/// The library depends on Foundation only (FoundationNetworking on Linux), never on the server.
public final class AppBaseClient: Sendable {
    public let auth: Auth
    public let db: Database
    public let storage: Storage

    /// - Parameters:
    ///   - endpoint: the app's API base, e.g. `http://localhost:3101` or `http://api.notes.appbase.local:8080`.
    ///   - apiKey: a client key (`hs_live_…`) of that app.
    ///   - sessionStore: where the session is kept (memory by default).
    ///   - options: retry and reconnect limits.
    public init(endpoint: URL, apiKey: String, sessionStore: any SessionStore = MemorySessionStore(), options: ClientOptions = ClientOptions()) {
        let client = APIClient(endpoint: endpoint, apiKey: apiKey, sessionStore: sessionStore, options: options)
        auth = Auth(client: client)
        db = Database(client: client)
        storage = Storage(client: client)
    }
}
