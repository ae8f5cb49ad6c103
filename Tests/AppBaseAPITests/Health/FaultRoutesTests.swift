import AppBaseCore
import AppBaseHTTP
@testable import AppBasePlatform
import AppBaseTestSupport
import Logging
import Synchronization
import Testing

/// Records injected faults as `<kind>:<app>`.
final class FakeInjector: FaultInjecting {
    let log = EventLog()
    func injectFault(_ kind: FaultKind, into app: String) async throws {
        guard app == "notes" else { throw AppBaseError.notFound("No app named \(app).") }
        log.record("\(kind.rawValue):\(app)")
    }
}

/// `POST /api/apps/:name/faults` exists only with `[faults] enabled = true`.
@Suite struct FaultRoutesTests {
    private func router(enabled: Bool, injector: FakeInjector) -> Router {
        var routes = RouteTable()
        FaultRoutes.register(on: &routes, settings: FaultSettings(enabled: enabled), authorize: { _ in }, injector: injector)
        return Router(app: "master", routes: routes, cors: .disabled, limits: HTTPLimits(), authenticator: nil,
                      logger: Logger(label: "test"))
    }

    private func post(_ router: Router, app: String, body: String) async -> HTTPResponse? {
        let bytes = Array(body.utf8)
        let request = HTTPRequest(methodName: "POST", path: "/api/apps/\(app)/faults", contentLength: Int64(bytes.count),
                                  body: .bytes(bytes))
        switch router.dispatch(request) {
        case .respond(let response): return response
        case .handle(_, let handler): return await handler(request)
        }
    }

    @Test func theRouteIsAbsentUnlessFaultsAreEnabled() async {
        let injector = FakeInjector()
        let response = await post(router(enabled: false, injector: injector), app: "notes", body: #"{"kind":"crash"}"#)
        #expect(response?.status == 404)
        #expect(injector.log.events.isEmpty)
    }

    @Test(arguments: [
        (#"{"kind":"crash"}"#, 202, "crash:notes"),
        (#"{"kind":"hang"}"#, 202, "hang:notes"),
        (#"{"kind":"db"}"#, 202, "db:notes"),
        (#"{"kind":"meteor"}"#, 400, nil),
        (#"{}"#, 400, nil),
        (#"{"kind":"#, 400, nil),
    ] as [(String, Int, String?)])
    func eachKindIsInjectedAndAnythingElseRefused(body: String, status: Int, recorded: String?) async {
        let injector = FakeInjector()
        let response = await post(router(enabled: true, injector: injector), app: "notes", body: body)
        #expect(response?.status == status)
        #expect(injector.log.events == (recorded.map { [$0] } ?? []))
    }

    @Test func anUnknownAppIsNotFound() async {
        let response = await post(router(enabled: true, injector: FakeInjector()), app: "ghost", body: #"{"kind":"crash"}"#)
        #expect(response?.status == 404)
    }
}
