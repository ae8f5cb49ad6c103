import Testing

/// The app dashboard: its page on every app's port and on `dashboard.<app>.appbase.local`, its
/// sign-in routes, and the setup link in AppInfo while the app has no dashboard admin.
extension AssembledServerScenarios {
    static let dashboard: [APIScenario] = [
        APIScenario(name: "/dashboard/ on an app's own port serves the dashboard",
                    port: .app("alpha"), path: "/dashboard/", expectedStatus: 200,
                    expectedContent: ["<!doctype html>", "/dashboard/app.js", "/kit/kit.css"]),
        APIScenario(name: "/dashboard/setup serves the same page (the first-run link)",
                    port: .app("alpha"), path: "/dashboard/setup", expectedStatus: 200,
                    expectedContent: ["<title>AppBase dashboard</title>"]),
        APIScenario(name: "the dashboard's modules and the kit are served on the app's port",
                    port: .app("alpha"), path: "/dashboard/api.js", expectedStatus: 200, expectedContent: ["X-CSRF-Token"]),
        APIScenario(name: "the kit on the app's port",
                    port: .app("alpha"), path: "/kit/dom.js", expectedStatus: 200, expectedContent: ["textContent"]),
        APIScenario(name: "/ on the dashboard host serves the dashboard",
                    path: "/", host: "dashboard.alpha.appbase.local", expectedStatus: 200,
                    expectedContent: ["<title>AppBase dashboard</title>"]),
        APIScenario(name: "the dashboard host reaches the app's admin API (an admin key works there too)",
                    path: "/admin/collections", host: "dashboard.alpha.appbase.local",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 200),
        APIScenario(name: "no session: GET /dashboard/api/session is 401",
                    port: .app("alpha"), path: "/dashboard/api/session", expectedStatus: 401,
                    expectedContent: [#""code":"unauthorized""#]),
        APIScenario(name: "a wrong setup token is 403",
                    port: .app("alpha"), method: "POST", path: "/dashboard/api/setup", headers: [.json],
                    body: #"{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","email":"ops@example.com","password":"correct horse battery"}"#,
                    expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "a sign-in with no such admin is 401 invalid_credentials",
                    port: .app("alpha"), method: "POST", path: "/dashboard/api/session", headers: [.json],
                    body: #"{"email":"ops@example.com","password":"correct horse battery"}"#,
                    expectedStatus: 401, expectedContent: [#""code":"invalid_credentials""#],
                    expectedEvents: [.audit("dashboard.login.failed", app: "alpha")]),
        APIScenario(name: "AppInfo carries the setup link while alpha has no dashboard admin",
                    path: "/api/apps/alpha", headers: [.bearer("{{master.key}}")], expectedStatus: 200,
                    expectedContent: [#""dashboardSetup":"http://"#, "/dashboard/setup#token="]),
    ]

    @Test("The dashboard page, its sign-in routes and the setup link")
    func dashboardRouting() async throws {
        var runner = try Self.runner()
        await runner.run(Self.dashboard)
    }
}
