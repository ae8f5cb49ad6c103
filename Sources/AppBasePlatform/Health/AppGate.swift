import AppBaseCore
import AppBaseHTTP

/// An app's port while its subtree comes and goes: dispatches to the app's router while it
/// serves, and answers `503 unavailable` with `Retry-After` while it is down (restarting,
/// failed or stopped), so the listener — and the port — outlive a restart.
///
/// Read on the loop thread on every request (one uncontended lock); written by the restarter.
public final class AppGate: HTTPDispatcher {
    /// The app this gate belongs to.
    public let app: String
    private let router: SnapshotCell<Router?>

    public init(app: String, router: Router? = nil) {
        self.app = app
        self.router = SnapshotCell(router)
    }

    /// The router requests go to, or nil while the app is down.
    public var current: Router? { router.value }

    /// Lets requests through to `router` (the subtree is running).
    public func open(_ router: Router) { self.router.publish(router) }

    /// Answers 503 from now on (the subtree is going down).
    public func close() { router.publish(nil) }

    public func dispatch(_ request: HTTPRequest) -> DispatchDecision {
        guard let router = router.value else { return .respond(Self.unavailable(app: app, request: request)) }
        return router.dispatch(request)
    }

    public func decorate(_ response: inout HTTPResponse, for request: HTTPRequest) {
        router.value?.decorate(&response, for: request)
    }

    /// The answer for a request to an app that is down: 503 `unavailable`, `Retry-After: 1`.
    public static func unavailable(app: String, request: HTTPRequest) -> HTTPResponse {
        let error = AppBaseError(status: 503, code: .unavailable, message: "App \(app) is not serving right now; retry shortly.",
                                 retryAfterSeconds: 1)
        return ErrorRenderer.response(for: error, requestID: request.requestID)
    }
}
