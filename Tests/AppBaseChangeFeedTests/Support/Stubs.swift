import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import Synchronization

/// The collections' rules, set by the test.
final class StubRules: CollectionRulesSource {
    private let table = Mutex<[String: AccessRules]>([:])
    private let implicit = Mutex(true)
    let ruleChanges = Broadcast<String>()

    /// `implicit_collections`; true unless the test sets it.
    var implicitCollections: Bool {
        get { implicit.withLock { $0 } }
        set { implicit.withLock { $0 = newValue } }
    }

    func rules(for collection: String) -> AccessRules? { table.withLock { $0[collection] } }

    /// Sets (or removes) a collection's rules and signals the change (unless `signal` is false).
    func set(_ rules: AccessRules?, for collection: String, signal: Bool = true) {
        table.withLock { $0[collection] = rules }
        if signal { ruleChanges.send(collection) }
    }
}

/// Sessions, users and keys, revoked by the test.
final class StubIdentities: IdentityValidator {
    private let revoked = Mutex<[String: ErrorCode]>([:])
    private let version = Atomic<UInt64>(0)
    private let checks = Atomic<Int>(0)
    let changes = Broadcast<Void>()

    /// Moves with every `revoke`, as the auth snapshot's version does.
    var identityVersion: UInt64? { version.load(ordering: .acquiring) }

    /// How many times `revalidate` was asked.
    var revalidations: Int { checks.load(ordering: .relaxed) }

    func revalidate(_ identity: Identity, nowSeconds: Int64) -> ErrorCode? {
        checks.add(1, ordering: .relaxed)
        if let user = identity.user {
            if user.expiresAt <= nowSeconds { return .tokenExpired }
            if let code = revoked.withLock({ $0[user.sessionID] ?? $0["user:" + user.id] }) { return code }
        }
        if let key = identity.keyID, let code = revoked.withLock({ $0["key:" + key] }) { return code }
        return nil
    }

    /// Revokes a session (`s-alice`), a user (`user:<id>`) or a key (`key:<id>`), and signals
    /// (unless `signal` is false: a lost or not yet heard signal).
    func revoke(_ what: String, code: ErrorCode, signal: Bool = true) {
        revoked.withLock { $0[what] = code }
        version.add(1, ordering: .releasing)
        if signal { changes.send(()) }
    }
}

/// Callers: `x-test-caller` names one; `x-test-expires` sets the user token's expiry (seconds).
enum TestCaller: String, Sendable {
    case alice, bob, anonymous, admin

    static let aliceID = "user-alice"
    static let bobID = "user-bob"

    func identity(expiresAt: Int64 = .max) -> Identity {
        switch self {
        case .alice:
            return Identity(keyID: "key-client", keyKind: .client, user: .init(id: Self.aliceID, sessionID: "s-alice", expiresAt: expiresAt))
        case .bob:
            return Identity(keyID: "key-client", keyKind: .client, user: .init(id: Self.bobID, sessionID: "s-bob", expiresAt: expiresAt))
        case .anonymous: return Identity(keyID: "key-client", keyKind: .client)
        case .admin: return Identity(keyID: "key-admin", keyKind: .admin)
        }
    }
}

struct TestAuthenticator: RequestAuthenticator {
    func authenticate(_ request: HTTPRequest, auth: RouteAuth) throws(AppBaseError) -> Identity {
        guard let name = request.headers["x-test-caller"], let caller = TestCaller(rawValue: name) else {
            throw AppBaseError.unauthorized(.missingAPIKey, "Missing API key.")
        }
        return caller.identity(expiresAt: request.headers["x-test-expires"].flatMap { Int64($0) } ?? .max)
    }

    /// `x-test-ip` stands in for the client address (per-IP caps).
    func clientIP(for request: HTTPRequest) -> String { request.headers["x-test-ip"] ?? request.remoteAddress }
}

extension JSONValue {
    /// Builds a value from JSON text in tests (`.null` when it does not parse).
    static func parse(_ text: String) -> JSONValue { (try? JSONParser.parse(text, maxDepth: 64)) ?? .null }
}
