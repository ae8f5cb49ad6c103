/// What the router decides for a request once its head is parsed (on the loop thread).
public enum DispatchDecision: Sendable {
    /// Answer now, without a task (health, errors, preflights). Any body is discarded.
    case respond(HTTPResponse)
    /// Run `handler` as a task on the loop, within what `traits` allow.
    case handle(HandlerTraits, handler: @Sendable (HTTPRequest) async -> HTTPResponse)
}

/// What the connection needs to know about the route that handles a request.
public struct HandlerTraits: Sendable {
    /// The app the route belongs to: per-app budgets (downloads) are kept under this name.
    public var app: String
    /// The route's pattern, e.g. `/db/collections/:collection` (bounded labels for logs and metrics).
    public var route: String
    /// Largest body accepted, in bytes.
    public var bodyLimit: Int
    /// How slowly the body may arrive.
    public var bodyPace: BodyPace

    public init(app: String, route: String, bodyLimit: Int, bodyPace: BodyPace = .bounded) {
        self.app = app
        self.route = route
        self.bodyLimit = bodyLimit
        self.bodyPace = bodyPace
    }
}

/// How long a request's body may take to arrive.
public enum BodyPace: Sendable, Hashable {
    /// Head and body within `HTTPLimits.requestTimeoutMillis` (every route with a small body).
    case bounded
    /// No overall deadline (a large upload takes what it takes), but at least
    /// `HTTPLimits.minimumTransferRate` averaged over `minimumRateWindowMillis`.
    case streamingUpload
}

/// Turns a request head into a decision. Implemented by `Router` and by the platform's
/// host-based dispatcher. Called on the loop thread: it must not block.
public protocol HTTPDispatcher: Sendable {
    func dispatch(_ request: HTTPRequest) -> DispatchDecision
    /// Adds what this dispatcher adds to every response (CORS) to an error the connection
    /// answers itself after dispatch (413 by `Content-Length`, a broken body), so browsers can
    /// read it too. Called on the loop thread.
    func decorate(_ response: inout HTTPResponse, for request: HTTPRequest)
}

extension HTTPDispatcher {
    public func decorate(_ response: inout HTTPResponse, for request: HTTPRequest) {}
}
