import Testing

/// The control-plane page lives on the master's own host names only: `/` there is the page,
/// while an app's host names still reach the app (whose router has no `/` and no assets; that
/// `api.<app>` reaches the app's own routes is in the host-routing table).
extension AssembledServerScenarios {
    static let controlPage: [APIScenario] = [
        APIScenario(name: "/ on the master port by IP serves the control page",
                    path: "/", expectedStatus: 200,
                    expectedContent: ["<!doctype html>", "/control/app.js"]),
        APIScenario(name: "/ on appbase.local serves the control page",
                    path: "/", host: "appbase.local", expectedStatus: 200,
                    expectedContent: ["<title>AppBase control plane</title>"]),
        APIScenario(name: "/ on appbase.local with a port serves the control page",
                    path: "/", host: "AppBase.Local:{{master.port}}", expectedStatus: 200,
                    expectedContent: ["<title>AppBase control plane</title>"]),
        APIScenario(name: "the page's module is served on the master",
                    path: "/control/app.js", expectedStatus: 200, expectedContent: ["openEventStream"]),
        APIScenario(name: "/ on api.alpha reaches alpha, not the page",
                    path: "/", host: "api.alpha.appbase.local", expectedStatus: 404,
                    expectedContent: [#""code":"not_found""#], notExpectedContent: ["<!doctype html>"]),
        APIScenario(name: "the page's assets do not exist on an app host",
                    path: "/control/app.js", host: "api.alpha.appbase.local", expectedStatus: 404,
                    expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "an app's own port has no control page",
                    port: .app("alpha"), path: "/", expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
    ]

    @Test("The control page at / on the master, apps still reached by host name")
    func controlPageRouting() async throws {
        var runner = try Self.runner()
        await runner.run(Self.controlPage)
    }
}
