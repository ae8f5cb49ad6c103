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
}
