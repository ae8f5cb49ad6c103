import AppBaseCore
import AppBaseHTTP
@testable import AppBasePlatform
import Logging
import Testing

/// An app's port answers 503 with Retry-After while the app is down, and routes when it is up.
@Suite struct AppGateTests {
    private func router() -> Router {
        var routes = RouteTable()
        HealthRoute.register(on: &routes, app: "notes")
        return Router(app: "notes", routes: routes, cors: .disabled, limits: HTTPLimits(), authenticator: nil,
                      logger: Logger(label: "test"))
    }

    private func status(_ decision: DispatchDecision) -> (Int, String?) {
        guard case .respond(let response) = decision else { return (0, nil) }
        return (response.status, response.headers["retry-after"])
    }

    @Test func anAppWithNoEntryAnswersUnavailableWithRetryAfter() {
        let gate = AppGate(app: "notes", dispatchers: SnapshotCell([:]))
        let answer = status(gate.dispatch(HTTPRequest(methodName: "GET", path: "/health")))
        #expect(answer.0 == 503)
        #expect(answer.1 == "1")
    }

    @Test func theGateFollowsTheMapFromRouterToUnavailableAndBack() {
        let map = SnapshotCell<[String: any HTTPDispatcher]>(["notes": router()])
        let gate = AppGate(app: "notes", dispatchers: map)
        #expect(status(gate.dispatch(HTTPRequest(methodName: "GET", path: "/health"))).0 == 200)
        map.update { $0["notes"] = AppGate.Unavailable(app: "notes", cors: CORSPolicy()) }
        #expect(status(gate.dispatch(HTTPRequest(methodName: "GET", path: "/health"))) == (503, "1"))
        map.update { $0["notes"] = router() }
        #expect(status(gate.dispatch(HTTPRequest(methodName: "GET", path: "/health"))).0 == 200)
    }

    private func request(_ method: String, origin: String?, extra: [(String, String)] = []) -> HTTPRequest {
        var headers = extra
        if let origin { headers.append(("Origin", origin)) }
        return HTTPRequest(methodName: method, path: "/db/collections/notes/subscribe", headers: HTTPHeaders(headers))
    }

    /// A browser SDK reconnecting its stream while the app restarts sends a preflight first:
    /// it must be granted under the app's policy, and the 503 that follows must be readable
    /// cross-origin, or the browser reports a CORS failure instead of "retry".
    @Test(arguments: [
        // (allowed origins, request origin, preflight status, allow-origin on preflight and on the 503)
        (["*"], "http://site.lan", 204, "*"),
        (["http://site.lan"], "http://site.lan", 204, "http://site.lan"),
        (["http://site.lan"], "http://evil.lan", 403, nil),
        ([], "http://site.lan", 403, nil),
    ] as [([String], String, Int, String?)])
    func aRestartingAppKeepsItsCORSPolicy(allowed: [String], origin: String, preflightStatus: Int, allowOrigin: String?) {
        let unavailable = AppGate.Unavailable(app: "notes", cors: CORSPolicy(allowedOrigins: allowed))
        let preflight = request("OPTIONS", origin: origin, extra: [("Access-Control-Request-Method", "GET"),
                                                                   ("Access-Control-Request-Headers", "last-event-id")])
        guard case .respond(let granted) = unavailable.dispatch(preflight) else {
            Issue.record("a preflight must be answered on the loop")
            return
        }
        #expect(granted.status == preflightStatus)
        #expect(granted.headers["access-control-allow-origin"] == allowOrigin)
        if allowOrigin != nil {
            #expect(granted.headers["access-control-allow-methods"]?.contains("GET") == true)
            let methods = granted.headers["access-control-allow-methods"]?.split(separator: ",").map { String($0.trimmingASCIISpaces()) } ?? []
            #expect(methods.count == Set(methods).count, "no method listed twice: \(methods)")
            #expect(granted.headers["access-control-allow-headers"]?.contains("Last-Event-ID") == true)
        }
        guard case .respond(let refused) = unavailable.dispatch(request("GET", origin: origin)) else {
            Issue.record("a request to a restarting app must be answered on the loop")
            return
        }
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "1")
        #expect(refused.headers["access-control-allow-origin"] == allowOrigin)
        if allowOrigin != nil {
            #expect(refused.headers["access-control-expose-headers"]?.contains("Retry-After") == true)
        }
        var late = AppGate.unavailable(app: "notes", request: request("GET", origin: origin))
        unavailable.decorate(&late, for: request("GET", origin: origin))
        #expect(late.headers["access-control-allow-origin"] == allowOrigin)
    }

    @Test func anOptionsWithoutAnOriginIsNotAPreflightAndGetsThe503() {
        let unavailable = AppGate.Unavailable(app: "notes", cors: CORSPolicy())
        guard case .respond(let response) = unavailable.dispatch(request("OPTIONS", origin: nil)) else {
            Issue.record("answered on the loop")
            return
        }
        #expect(response.status == 503)
        #expect(response.headers["access-control-allow-origin"] == nil)
    }
}
