import AppBaseCore
import AppBaseHTTP

/// An app's own port while its subtree comes and goes: dispatches to whatever the shared map
/// holds for the app (its router while it serves, `AppGate.Unavailable` while it restarts), and
/// answers `503 unavailable` with `Retry-After` when the map holds nothing for it. So the
/// listener — and the port — outlive a restart, and clients are told to retry, not refused.
///
/// Read on the loop thread on every request (one uncontended lock); the map is written by the
/// app's owner (the registry).
public final class AppGate: HTTPDispatcher {
    /// The app this gate belongs to.
    public let app: String
    private let dispatchers: SnapshotCell<[String: any HTTPDispatcher]>

    public init(app: String, dispatchers: SnapshotCell<[String: any HTTPDispatcher]>) {
        self.app = app
        self.dispatchers = dispatchers
    }

    public func dispatch(_ request: HTTPRequest) -> DispatchDecision {
        guard let current = dispatchers.value[app] else { return .respond(Self.unavailable(app: app, request: request)) }
        return current.dispatch(request)
    }

    public func decorate(_ response: inout HTTPResponse, for request: HTTPRequest) {
        dispatchers.value[app]?.decorate(&response, for: request)
    }

    /// The answer for a request to an app that is down: 503 `unavailable`, `Retry-After: 1`.
    public static func unavailable(app: String, request: HTTPRequest) -> HTTPResponse {
        let error = AppBaseError(status: 503, code: .unavailable, message: "App \(app) is not serving right now; retry shortly.",
                                 retryAfterSeconds: 1)
        return ErrorRenderer.response(for: error, requestID: request.requestID)
    }

    /// What an app's entry in the map is while it restarts: every request gets the 503, on its
    /// own port and through its host name on the master port alike. It keeps the app's CORS
    /// policy, so a browser's preflight (an SDK reconnecting a stream) is granted and the 503
    /// itself is readable cross-origin — the client sees "retry", not a CORS failure.
    public final class Unavailable: HTTPDispatcher {
        public let app: String
        private let cors: CORSPolicy

        public init(app: String, cors: CORSPolicy) {
            self.app = app
            self.cors = cors
        }

        public func dispatch(_ request: HTTPRequest) -> DispatchDecision {
            let origin = request.headers["origin"]
            if request.method == .OPTIONS, origin != nil {
                return .respond(cors.preflight(request, allowed: Set(HTTPMethod.allCases), origin: origin))
            }
            var response = AppGate.unavailable(app: app, request: request)
            cors.decorate(&response.headers, origin: origin)
            return .respond(response)
        }

        public func decorate(_ response: inout HTTPResponse, for request: HTTPRequest) {
            cors.decorate(&response.headers, origin: request.headers["origin"])
        }
    }
}
