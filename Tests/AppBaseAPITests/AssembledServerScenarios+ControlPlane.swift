import AppBaseCore
import Testing

/// The control plane on the master port: master-key authentication, every bad input as a JSON
/// 400/401/404/409, and an app created, used (by its port and by its host name), stopped,
/// started, deleted to the trash and created again — all while `alpha` and `beta` serve.
extension AssembledServerScenarios {
    static let masterKey = ScenarioHeader("X-Master-Key", "{{master.key}}")

    static let controlPlaneAuth: [APIScenario] = [
        APIScenario(name: "no master key is 401 unauthorized",
                    path: "/api/apps", expectedStatus: 401, expectedContent: [#""code":"unauthorized""#]),
        APIScenario(name: "a wrong master key is 401",
                    path: "/api/apps", headers: [ScenarioHeader("X-Master-Key", "hs_live_notakeyatall")],
                    expectedStatus: 401, expectedContent: [#""code":"unauthorized""#]),
        APIScenario(name: "an app's admin key is not a master key",
                    path: "/api/apps", headers: [ScenarioHeader("X-Master-Key", "{{alpha.admin}}")],
                    expectedStatus: 401, expectedContent: [#""code":"unauthorized""#]),
        APIScenario(name: "an unknown app without a key is 401, not 404",
                    path: "/api/apps/nosuch", expectedStatus: 401, expectedContent: [#""code":"unauthorized""#]),
        APIScenario(name: "the master key as a bearer token works",
                    path: "/api/apps", headers: [.bearer("{{master.key}}")], expectedStatus: 200,
                    expectedContent: [#""name":"alpha""#, #""name":"beta""#]),
        APIScenario(name: "the list shows the config apps running, sorted by name",
                    path: "/api/apps", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#"{"items":[{"name":"alpha","state":"running""#, #""source":"config""#,
                                      #""hostNames":["api.alpha.appbase.local","dashboard.alpha.appbase.local","alpha.appbase.local"]"#,
                                      #""api":"http://api.alpha.appbase.local:{{master.port}}""#,
                                      #""direct":"http://127.0.0.1:{{alpha.port}}""#,
                                      #""requests":{"total":"#]),
        APIScenario(name: "one app by name",
                    path: "/api/apps/beta", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#""name":"beta""#, #""state":"running""#, #""port":{{beta.port}}"#,
                                      #""lastError":null"#, #""restarts":0"#]),
        APIScenario(name: "an unknown app is 404",
                    path: "/api/apps/nosuch", headers: [masterKey], expectedStatus: 404,
                    expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "the port map",
                    path: "/api/ports", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#""range":[45100,45999]"#, #""items":["#]),
    ]

    static let controlPlaneBadInput: [APIScenario] = [
        APIScenario(name: "create with a body that is not JSON",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: "{name:",
                    expectedStatus: 400, expectedContent: [#""code":"invalid_json""#]),
        APIScenario(name: "create with an array body",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: "[]",
                    expectedStatus: 400, expectedContent: [#""code":"bad_request""#]),
        APIScenario(name: "create without a name",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"port":45500}"#,
                    expectedStatus: 400, expectedContent: [#""field":"name""#]),
        APIScenario(name: "create with an invalid name",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"name":"Bad_Name"}"#,
                    expectedStatus: 400, expectedContent: [#""code":"bad_request""#, #""field":"name""#]),
        APIScenario(name: "create with the reserved name master",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"name":"master"}"#,
                    expectedStatus: 400, expectedContent: [#""field":"name""#]),
        APIScenario(name: "create with a port out of range",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"name":"ok","port":70000}"#,
                    expectedStatus: 400, expectedContent: [#""field":"port""#]),
        APIScenario(name: "create with a port that is not an integer",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"name":"ok","port":"80"}"#,
                    expectedStatus: 400, expectedContent: [#""field":"port""#]),
        APIScenario(name: "create with an unknown field",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"name":"ok","colour":"red"}"#,
                    expectedStatus: 400, expectedContent: [#""code":"bad_request""#, "colour"]),
        APIScenario(name: "create with a taken name is 409",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"name":"alpha"}"#,
                    expectedStatus: 409, expectedContent: [#""code":"conflict""#, "already exists"]),
        APIScenario(name: "create on the master port's own port number is 409",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json],
                    body: #"{"name":"clash","port":{{master.port}}}"#,
                    expectedStatus: 409, expectedContent: [#""code":"conflict""#]),
        APIScenario(name: "a config app cannot be deleted through the API",
                    method: "DELETE", path: "/api/apps/alpha", headers: [masterKey],
                    expectedStatus: 409, expectedContent: [#""code":"conflict""#, "remove it there"]),
        APIScenario(name: "stop of an unknown app is 404",
                    method: "POST", path: "/api/apps/nosuch/stop", headers: [masterKey],
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "delete of an unknown app is 404",
                    method: "DELETE", path: "/api/apps/nosuch", headers: [masterKey],
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "an unknown control-plane route is 404",
                    path: "/api/nothing", headers: [masterKey], expectedStatus: 404,
                    expectedContent: [#""code":"not_found""#]),
    ]

    static let controlPlaneLifecycle: [APIScenario] = [
        APIScenario(name: "create notes: 201 with its admin key, running on an assigned port",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"name":"notes"}"#,
                    expectedStatus: 201,
                    expectedContent: [#""name":"notes""#, #""state":"running""#, #""source":"api""#, #""adminKey":"hs_live_"#],
                    expectedEvents: [.lifecycle(.provisioning, app: "notes"), .lifecycle(.running, app: "notes")],
                    captures: ["notesKey": "adminKey", "notesPort": "port"]),
        APIScenario(name: "notes answers by its host name on the master port",
                    path: "/health", host: "api.notes.appbase.local", expectedStatus: 200,
                    expectedContent: [#""app":"notes""#]),
        APIScenario(name: "notes answers on its own port",
                    port: .variable("notesPort"), path: "/health", expectedStatus: 200, expectedContent: [#""app":"notes""#]),
        APIScenario(name: "its admin key works on its API",
                    path: "/admin/collections", host: "api.notes.appbase.local", headers: [.apiKey("{{notesKey}}")],
                    expectedStatus: 200),
        APIScenario(name: "an API-created app has implicit collections off",
                    method: "POST", path: "/db/collections/anything", host: "api.notes.appbase.local",
                    headers: [.apiKey("{{notesKey}}"), .json], body: #"{"title":"x"}"#,
                    expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "the port map shows notes' port assigned",
                    path: "/api/ports", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#"{"port":{{notesPort}},"app":"notes","state":"assigned""#]),
        APIScenario(name: "stop notes",
                    method: "POST", path: "/api/apps/notes/stop", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#""state":"stopped""#, #""port":{{notesPort}}"#],
                    expectedEvents: [.lifecycle(.stopping, app: "notes"), .lifecycle(.stopped, app: "notes")]),
        APIScenario(name: "a stopped app's host is 404",
                    path: "/health", host: "api.notes.appbase.local", expectedStatus: 404,
                    expectedContent: [#""code":"not_found""#]),
        APIScenario(name: "alpha serves while notes is stopped",
                    path: "/health", host: "api.alpha.appbase.local", expectedStatus: 200),
        APIScenario(name: "stopping a stopped app changes nothing",
                    method: "POST", path: "/api/apps/notes/stop", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#""state":"stopped""#]),
        APIScenario(name: "start notes again, on the same port",
                    method: "POST", path: "/api/apps/notes/start", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#""state":"running""#, #""port":{{notesPort}}"#],
                    expectedEvents: [.lifecycle(.provisioning, app: "notes"), .lifecycle(.running, app: "notes")]),
        APIScenario(name: "its key still works after the restart",
                    port: .variable("notesPort"), path: "/admin/collections", headers: [.apiKey("{{notesKey}}")],
                    expectedStatus: 200),
        APIScenario(name: "delete notes: its data goes to the trash",
                    method: "DELETE", path: "/api/apps/notes", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#""name":"notes""#, #""state":"deleted""#, #""trash":"data/.trash/notes-"#],
                    expectedEvents: [.lifecycle(.stopping, app: "notes"), .lifecycle(.stopped, app: "notes"),
                                     .lifecycle(.deleted, app: "notes")]),
        APIScenario(name: "a deleted app is 404",
                    path: "/api/apps/notes", headers: [masterKey], expectedStatus: 404),
        APIScenario(name: "its port waits out the grace period",
                    path: "/api/ports", headers: [masterKey], expectedStatus: 200,
                    expectedContent: [#"{"port":{{notesPort}},"app":"notes","state":"grace","releasedAt":""#]),
        APIScenario(name: "asking for the port in its grace period is 409",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json],
                    body: #"{"name":"notes2","port":{{notesPort}}}"#,
                    expectedStatus: 409, expectedContent: [#""code":"conflict""#, "reusable from"]),
        APIScenario(name: "the name can be created again, with fresh data and a new key",
                    method: "POST", path: "/api/apps", headers: [masterKey, .json], body: #"{"name":"notes"}"#,
                    expectedStatus: 201, expectedContent: [#""state":"running""#],
                    notExpectedContent: [#""port":{{notesPort}},"#, "{{notesKey}}"],
                    expectedEvents: [.lifecycle(.provisioning, app: "notes"), .lifecycle(.running, app: "notes")],
                    captures: ["notesKey2": "adminKey"]),
        APIScenario(name: "the old key does not open the new app",
                    path: "/admin/collections", host: "api.notes.appbase.local", headers: [.apiKey("{{notesKey}}")],
                    expectedStatus: 401),
        APIScenario(name: "delete the second notes too",
                    method: "DELETE", path: "/api/apps/notes", headers: [masterKey], expectedStatus: 200,
                    expectedEvents: [.lifecycle(.stopping, app: "notes"), .lifecycle(.stopped, app: "notes"),
                                     .lifecycle(.deleted, app: "notes")]),
    ]

    @Test("Control plane: master-key authentication, listing and the port map")
    func controlPlaneAuthentication() async throws {
        var runner = try Self.runner()
        await runner.run(Self.controlPlaneAuth)
    }

    @Test("Control plane: every bad input is a JSON 400, 404 or 409")
    func controlPlaneBadInputs() async throws {
        var runner = try Self.runner()
        await runner.run(Self.controlPlaneBadInput)
    }

    @Test("Control plane: create, use, stop, start, delete and create again")
    func controlPlaneAppLifecycle() async throws {
        var runner = try Self.runner()
        await runner.run(Self.controlPlaneLifecycle)
    }
}
