import AppBaseCore
import Logging

/// What a handler knows about its request beyond the request itself: the app, the request id
/// (and a logger tagged with it), the client address, the identity and the path parameters.
/// Middleware hands on changed copies; nothing here is shared and mutable.
public struct RequestContext: Sendable {
    public let app: String
    public let requestID: String
    private var baseLogger: Logger
    /// A logger tagged with the request id (built on use, not per request).
    public var logger: Logger {
        get {
            var logger = baseLogger
            logger[metadataKey: "rid"] = .string(requestID)
            return logger
        }
        set { baseLogger = newValue }
    }
    /// The client's address (the socket peer, or the first untrusted `X-Forwarded-For` hop).
    public var clientIP: String
    public var identity: Identity
    public var parameters: PathParameters
    /// The matched route's pattern, e.g. `/db/collections/:collection/:id` (for metrics).
    public let route: String

    public init(app: String, requestID: String, logger: Logger, clientIP: String, identity: Identity,
                parameters: PathParameters, route: String) {
        self.app = app
        self.requestID = requestID
        self.baseLogger = logger
        self.clientIP = clientIP
        self.identity = identity
        self.parameters = parameters
        self.route = route
    }

    /// A path parameter that the route pattern guarantees.
    public func parameter(_ name: String) throws -> String {
        guard let value = parameters[name] else { throw AppBaseError.badRequest("Missing path parameter \(name).") }
        return value
    }

    /// The signed-in user, or 401 `missing_token`.
    public func requireUser() throws -> Identity.User {
        guard let user = identity.user else {
            throw AppBaseError.unauthorized(.missingToken, "This route needs a user access token (Authorization: Bearer).")
        }
        return user
    }

    /// 403 unless the request carries an admin key.
    public func requireAdmin() throws {
        guard identity.isAdmin else { throw AppBaseError.forbidden("This route needs an admin API key.") }
    }

    /// The actor recorded in audit events.
    public func auditActor(userAgent: String?) -> AuditActor {
        AuditActor(userID: identity.user?.id, keyID: identity.keyID, ip: clientIP, userAgent: userAgent,
                   dashboardAdminID: identity.dashboardAdminID)
    }
}

/// How a route authenticates requests.
public enum RouteAuth: Sendable, Hashable {
    /// No key needed (health, signed downloads that check their own signature).
    case none
    /// `X-API-Key` required; a bearer token is verified when present.
    case apiKey
    /// Like `apiKey`, but a client key and token may also come as `?apikey=&token=` (EventSource).
    case apiKeyOrQuery
}

/// Establishes the identity of a request on the loop thread, from an immutable snapshot.
/// Implemented by the auth service; throws 401/403 errors.
public protocol RequestAuthenticator: Sendable {
    func authenticate(_ request: HTTPRequest, auth: RouteAuth) throws(AppBaseError) -> Identity
    /// The client IP, honouring `X-Forwarded-For` only from trusted proxies.
    func clientIP(for request: HTTPRequest) -> String
}
