import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Testing

/// `/admin/jobs` on an app's port and `/api/jobs` (the master's queue) on the control plane:
/// keys, filters, pages, every bad input as a JSON 400/401/403/404/409, and a retry that the
/// app's running scheduler picks up at once.
extension AssembledServerScenarios {
    static let fixtureKind = "scenario.fixture"

    @Test("Jobs: list, filter, page and retry on an app; the master queue on the control plane")
    func jobRoutes() async throws {
        let server = try #require(LiveServer.current)
        var runner = ScenarioRunner(server: server)
        // Two finished jobs of a kind no handler knows, written beside the running server (WAL).
        let (failedID, doneID) = try Self.insertFixtureJobs(databasePath: "\(server.dataDirectory)/alpha/app.sqlite")
        runner.remember(String(failedID), as: "failedID")
        runner.remember(String(doneID), as: "doneID")
        let admin = ScenarioHeader.apiKey("{{alpha.admin}}")
        let kind = "kind=\(Self.fixtureKind)"

        await runner.run([
            APIScenario(name: "no key is 401", port: .app("alpha"), path: "/admin/jobs",
                        expectedStatus: 401, expectedContent: [#""code":"missing_api_key""#]),
            APIScenario(name: "a client key is 403", port: .app("alpha"), path: "/admin/jobs",
                        headers: [.apiKey("{{alpha.client}}")], expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
            APIScenario(name: "the admin key lists the jobs, newest first", port: .app("alpha"), path: "/admin/jobs?\(kind)",
                        headers: [admin], expectedStatus: 200,
                        expectedContent: [#"{"items":[{"id":"{{doneID}}","kind":"scenario.fixture","state":"done","attempts":1,"maxAttempts":1"#,
                                          #"{"id":"{{failedID}}","kind":"scenario.fixture","state":"failed""#,
                                          #""lastError":"fixture failure""#, #""payload":{"n":1}"#, #""next":null"#]),
            APIScenario(name: "a page of one names the next cursor", port: .app("alpha"), path: "/admin/jobs?\(kind)&limit=1",
                        headers: [admin], expectedStatus: 200,
                        expectedContent: [#""id":"{{doneID}}""#, #""next":"{{doneID}}""#], notExpectedContent: [#""id":"{{failedID}}""#]),
            APIScenario(name: "the cursor continues with older jobs", port: .app("alpha"),
                        path: "/admin/jobs?\(kind)&limit=1&cursor={{doneID}}", headers: [admin], expectedStatus: 200,
                        expectedContent: [#""id":"{{failedID}}""#], notExpectedContent: [#""id":"{{doneID}}""#]),
            APIScenario(name: "state filters", port: .app("alpha"), path: "/admin/jobs?\(kind)&state=failed",
                        headers: [admin], expectedStatus: 200,
                        expectedContent: [#""id":"{{failedID}}""#], notExpectedContent: [#""id":"{{doneID}}""#]),
            APIScenario(name: "an unknown kind lists nothing", port: .app("alpha"), path: "/admin/jobs?kind=no.such",
                        headers: [admin], expectedStatus: 200, expectedContent: [#"{"items":[],"next":null}"#]),
            APIScenario(name: "an unknown state is 400", port: .app("alpha"), path: "/admin/jobs?state=stuck",
                        headers: [admin], expectedStatus: 400, expectedContent: [#""code":"validation_failed""#, #""field":"state""#]),
            APIScenario(name: "limit 0 is 400", port: .app("alpha"), path: "/admin/jobs?limit=0",
                        headers: [admin], expectedStatus: 400, expectedContent: [#""field":"limit""#]),
            APIScenario(name: "limit 201 is 400", port: .app("alpha"), path: "/admin/jobs?limit=201",
                        headers: [admin], expectedStatus: 400, expectedContent: [#""field":"limit""#]),
            APIScenario(name: "a cursor that is not an id is 400", port: .app("alpha"), path: "/admin/jobs?cursor=abc",
                        headers: [admin], expectedStatus: 400, expectedContent: [#""code":"invalid_cursor""#]),
            APIScenario(name: "a negative cursor is 400", port: .app("alpha"), path: "/admin/jobs?cursor=-5",
                        headers: [admin], expectedStatus: 400, expectedContent: [#""code":"invalid_cursor""#]),
            APIScenario(name: "a kind filter of 101 bytes is 400", port: .app("alpha"),
                        path: "/admin/jobs?kind=" + String(repeating: "k", count: 101), headers: [admin],
                        expectedStatus: 400, expectedContent: [#""field":"kind""#]),
            APIScenario(name: "retrying a done job is 409", port: .app("alpha"), method: "POST", path: "/admin/jobs/{{doneID}}/retry",
                        headers: [admin], expectedStatus: 409, expectedContent: [#""code":"conflict""#]),
            APIScenario(name: "retrying an unknown job is 404", port: .app("alpha"), method: "POST", path: "/admin/jobs/99999999/retry",
                        headers: [admin], expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
            APIScenario(name: "an id that is not a number is 404", port: .app("alpha"), method: "POST", path: "/admin/jobs/abc/retry",
                        headers: [admin], expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
            APIScenario(name: "a client key may not retry", port: .app("alpha"), method: "POST", path: "/admin/jobs/{{failedID}}/retry",
                        headers: [.apiKey("{{alpha.client}}")], expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
            APIScenario(name: "beta's admin key does not reach alpha's jobs", port: .app("alpha"), path: "/admin/jobs",
                        headers: [.apiKey("{{beta.admin}}")], expectedStatus: 401, expectedContent: [#""code":"invalid_api_key""#]),
            APIScenario(name: "retrying a failed job queues it with fresh attempts", port: .app("alpha"), method: "POST",
                        path: "/admin/jobs/{{failedID}}/retry", headers: [admin], expectedStatus: 200,
                        expectedContent: [#"{"job":{"id":"{{failedID}}","kind":"scenario.fixture","state":"queued","attempts":0"#],
                        expectedEvents: [.audit("job.retry", app: "alpha", target: "{{failedID}}")]),
        ])

        // The running scheduler was woken by the retry: it runs the job at once, and with no
        // handler for its kind the job fails again, saying why.
        let alphaPort = try #require(server.port(.app("alpha")))
        let adminKey = try #require(runner.variables["alpha.admin"])
        let reran = await eventually {
            let request = RawRequest.make("GET", "/admin/jobs?state=failed&\(kind)", host: "127.0.0.1",
                                          headers: [("X-API-Key", adminKey)], body: nil)
            let response = try? await RawHTTPClient.exchange(port: alphaPort, pieces: [request], method: "GET")
            return response?.bodyText.contains("no handler is registered for job kind scenario.fixture") == true
        }
        #expect(reran, "the retried job did not run again")

        await runner.run([
            APIScenario(name: "the retry is in the audit log, by the admin key, naming the job", port: .app("alpha"),
                        path: "/admin/audit-log?action=job.retry", headers: [admin], expectedStatus: 200,
                        expectedContent: [#""action":"job.retry""#, #""target":"{{failedID}}""#, #""kind":"api_key""#]),
        ])

        await runner.run([
            APIScenario(name: "the master queue needs a master key", path: "/api/jobs",
                        expectedStatus: 401, expectedContent: [#""code":"unauthorized""#]),
            APIScenario(name: "an app's admin key is not a master key", path: "/api/jobs",
                        headers: [ScenarioHeader("X-Master-Key", "{{alpha.admin}}")],
                        expectedStatus: 401, expectedContent: [#""code":"unauthorized""#]),
            APIScenario(name: "the master queue lists its jobs", path: "/api/jobs", headers: [Self.masterKey],
                        expectedStatus: 200, expectedContent: [#"{"items":["#, #""next":"#]),
            APIScenario(name: "the master queue validates like an app's", path: "/api/jobs?state=stuck", headers: [Self.masterKey],
                        expectedStatus: 400, expectedContent: [#""field":"state""#]),
            APIScenario(name: "retrying an unknown master job is 404", method: "POST", path: "/api/jobs/99999999/retry",
                        headers: [Self.masterKey], expectedStatus: 404, expectedContent: [#""code":"not_found""#]),
        ])
    }

    /// Inserts a failed and a done job of `fixtureKind`; returns their ids.
    static func insertFixtureJobs(databasePath: String) throws -> (failed: Int64, done: Int64) {
        let connection = try SQLiteConnection(path: databasePath, mode: .readWrite)
        try connection.execute("PRAGMA busy_timeout = 5000")
        let now = SystemWallClock().nowMilliseconds()
        func insert(_ state: String, error: String?) throws -> Int64 {
            try connection.run("""
                INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, last_error, created_at, updated_at)
                VALUES (?, '{"n":1}', ?, ?, 1, 1, ?, ?, ?)
                """, [.text(fixtureKind), .text(state), .integer(now), error.map(SQLiteValue.text) ?? .null, .integer(now), .integer(now)])
            return try connection.queryOne("SELECT last_insert_rowid()") { $0.int64(0) } ?? 0
        }
        return (try insert("failed", error: "fixture failure"), try insert("done", error: nil))
    }
}
