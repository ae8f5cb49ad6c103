/// What the router decides for a request once its head is parsed (on the loop thread).
public enum DispatchDecision: Sendable {
    /// Answer now, without a task (health, errors, preflights). Any body is discarded.
    case respond(HTTPResponse)
    /// Run `handler` as a task on the loop; its body may be up to `bodyLimit` bytes.
    case handle(bodyLimit: Int, handler: @Sendable (HTTPRequest) async -> HTTPResponse)
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
