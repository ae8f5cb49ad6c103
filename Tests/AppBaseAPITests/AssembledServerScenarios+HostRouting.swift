import Testing

/// The master port routes by `Host`; an app's own port ignores it.
extension AssembledServerScenarios {
    static let hostRouting: [APIScenario] = [
        APIScenario(name: "master /health without an app host answers for the master",
                    path: "/health", expectedStatus: 200, expectedContent: [#""app":"master""#, #""status":"ok""#]),
        APIScenario(name: "api.alpha host reaches alpha",
                    path: "/health", host: "api.alpha.appbase.local", expectedStatus: 200,
                    expectedContent: [#""app":"alpha""#]),
        APIScenario(name: "api.beta host reaches beta",
                    path: "/health", host: "api.beta.appbase.local", expectedStatus: 200,
                    expectedContent: [#""app":"beta""#]),
        APIScenario(name: "host names are case-insensitive",
                    path: "/health", host: "API.Alpha.AppBase.LOCAL", expectedStatus: 200,
                    expectedContent: [#""app":"alpha""#]),
        APIScenario(name: "a port suffix on the host is ignored",
                    path: "/health", host: "api.beta.appbase.local:{{master.port}}", expectedStatus: 200,
                    expectedContent: [#""app":"beta""#]),
        APIScenario(name: "dashboard host reaches the app's dashboard router",
                    path: "/health", host: "dashboard.alpha.appbase.local", expectedStatus: 200,
                    expectedContent: [#""app":"alpha""#]),
        APIScenario(name: "an unknown app's host is a JSON 404",
                    path: "/health", host: "api.gamma.appbase.local", expectedStatus: 404,
                    expectedContent: [#""code":"not_found""#, "No app named gamma", #""requestId""#]),
        APIScenario(name: "an unknown app's dashboard host is a JSON 404",
                    path: "/health", host: "dashboard.gamma.appbase.local", expectedStatus: 404,
                    expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "the master itself has no app routes",
                    method: "POST", path: "/auth/register", headers: [.apiKey("{{alpha.client}}"), .json],
                    body: #"{"email":"nobody@example.com","password":"correct horse battery"}"#,
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "an app route through its host name works end to end",
                    path: "/admin/collections", host: "api.alpha.appbase.local",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 200),
        APIScenario(name: "/health on alpha's own port",
                    port: .app("alpha"), path: "/health", expectedStatus: 200, expectedContent: [#""app":"alpha""#]),
        APIScenario(name: "/health on beta's own port",
                    port: .app("beta"), path: "/health", expectedStatus: 200, expectedContent: [#""app":"beta""#]),
        APIScenario(name: "an app's own port ignores a Host naming another app",
                    port: .app("alpha"), path: "/health", host: "api.beta.appbase.local", expectedStatus: 200,
                    expectedContent: [#""app":"alpha""#]),
        APIScenario(name: "an app's own port accepts its key whatever the Host",
                    port: .app("alpha"), path: "/admin/collections", host: "api.beta.appbase.local",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 200),
        APIScenario(name: "an unknown route on an app host is a JSON 404",
                    path: "/no/such/route", host: "api.alpha.appbase.local", expectedStatus: 404,
                    expectedContent: [#""code":"not_found""#]),
    ]

    @Test("Host routing on the master port, and app ports that ignore Host")
    func hostRouting() async throws {
        var runner = try Self.runner()
        await runner.run(Self.hostRouting)
    }
}
