import AppBaseCore
import AppBaseHTTP

/// The callers every scenario uses: two users on a client key, a client key without a user,
/// an admin key, and no key at all.
enum TestCaller: String, Sendable, CaseIterable {
    case alice, bob, anonymous, admin, none

    static let aliceID = "user-alice"
    static let bobID = "user-bob"

    var identity: Identity? {
        switch self {
        case .alice:
            return Identity(keyID: "key-client", keyKind: .client,
                            user: Identity.User(id: Self.aliceID, sessionID: "s-alice", expiresAt: Int64.max))
        case .bob:
            return Identity(keyID: "key-client", keyKind: .client,
                            user: Identity.User(id: Self.bobID, sessionID: "s-bob", expiresAt: Int64.max))
        case .anonymous: return Identity(keyID: "key-client", keyKind: .client)
        case .admin: return Identity(keyID: "key-admin", keyKind: .admin)
        case .none: return nil
        }
    }
}

/// Maps the `x-test-caller` header to a `TestCaller`'s identity (in place of the auth service).
struct TestAuthenticator: RequestAuthenticator {
    func authenticate(_ request: HTTPRequest, auth: RouteAuth) throws(AppBaseError) -> Identity {
        guard auth != .none else { return .anonymous }
        guard let name = request.headers["x-test-caller"], let identity = TestCaller(rawValue: name)?.identity else {
            throw AppBaseError.unauthorized(.missingAPIKey, "Missing API key.")
        }
        return identity
    }

    func clientIP(for request: HTTPRequest) -> String { request.remoteAddress }
}
