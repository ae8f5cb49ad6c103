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
        map.update { $0["notes"] = AppGate.Unavailable(app: "notes") }
        #expect(status(gate.dispatch(HTTPRequest(methodName: "GET", path: "/health"))) == (503, "1"))
        map.update { $0["notes"] = router() }
        #expect(status(gate.dispatch(HTTPRequest(methodName: "GET", path: "/health"))).0 == 200)
    }
}
