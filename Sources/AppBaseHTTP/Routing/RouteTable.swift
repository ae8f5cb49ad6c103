import AppBaseCore

/// An async route handler: throws `AppBaseError` for clients, anything else becomes a 500.
public typealias RouteHandler = @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
/// A handler that answers on the loop thread without a task (no I/O, no awaiting).
public typealias InlineRouteHandler = @Sendable (HTTPRequest, RequestContext) throws -> HTTPResponse

/// A loop-thread fast path: returns a response when it can answer without I/O, nil otherwise.
public typealias FastPathHandler = @Sendable (HTTPRequest, RequestContext) throws -> HTTPResponse?

/// One registered route.
public struct Route: Sendable {
    public enum Handler: Sendable {
        case async(RouteHandler)
        case inline(InlineRouteHandler)
        /// Answered on the loop when the fast path has the answer (e.g. a cache hit), else as a task.
        case inlineOrAsync(fast: FastPathHandler, slow: RouteHandler)
    }
    public let method: HTTPMethod
    public let pattern: String
    let segments: [PathSegment]
    public let auth: RouteAuth
    public let bodyLimit: Int?
    /// How slowly the body may arrive (`.streamingUpload` for large uploads).
    public let bodyPace: BodyPace
    public let handler: Handler
    /// Set by the `Router` that owns the route (it knows the app); responses carry it to metrics.
    var label: RouteLabel?

    var parameterCount: Int {
        segments.reduce(0) { count, segment in
            if case .parameter = segment { return count + 1 }
            return count
        }
    }
}

enum PathSegment: Sendable, Hashable {
    case literal(String)
    case parameter(String)
}

/// Routes collected at start-up (each service adds its own family), then frozen into a `Router`.
public struct RouteTable: Sendable {
    public private(set) var routes: [Route] = []

    public init() {}

    /// Adds a route. `pattern` segments starting with `:` are parameters (percent-decoded,
    /// never empty). `bodyLimit` nil means the server default; `bodyPace` `.streamingUpload`
    /// lifts the overall request deadline for bodies that legitimately take long (uploads).
    public mutating func add(_ method: HTTPMethod, _ pattern: String, auth: RouteAuth = .apiKey,
                             bodyLimit: Int? = nil, bodyPace: BodyPace = .bounded, _ handler: @escaping RouteHandler) {
        routes.append(Route(method: method, pattern: pattern, segments: Self.segments(of: pattern), auth: auth,
                            bodyLimit: bodyLimit, bodyPace: bodyPace, handler: .async(handler)))
    }

    /// Adds a route with a loop-thread fast path (no I/O, no awaiting) and an async fallback.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, auth: RouteAuth = .apiKey, bodyLimit: Int? = nil,
                             fastPath: @escaping FastPathHandler, _ handler: @escaping RouteHandler) {
        routes.append(Route(method: method, pattern: pattern, segments: Self.segments(of: pattern), auth: auth,
                            bodyLimit: bodyLimit, bodyPace: .bounded, handler: .inlineOrAsync(fast: fastPath, slow: handler)))
    }

    /// Adds a route answered on the loop thread (cheap, non-blocking handlers only).
    public mutating func addInline(_ method: HTTPMethod, _ pattern: String, auth: RouteAuth = .none,
                                   _ handler: @escaping InlineRouteHandler) {
        routes.append(Route(method: method, pattern: pattern, segments: Self.segments(of: pattern), auth: auth,
                            bodyLimit: 0, bodyPace: .bounded, handler: .inline(handler)))
    }

    static func segments(of pattern: String) -> [PathSegment] {
        pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            part.hasPrefix(":") ? .parameter(String(part.dropFirst())) : .literal(String(part))
        }
    }
}
