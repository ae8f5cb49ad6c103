import AppBaseCore
import AppBasePlatform
import AppBaseTestSupport
import Testing

/// The admin's views and powers over the app's data: disabling a user ends their open streams,
/// storage usage, the stats across services, and browsing records through `/db` with the admin key.
extension AssembledServerScenarios {
    @Test("Disabling a user ends their open change-feed stream with auth_revoked (user_disabled)")
    func disablingEndsStreams() async throws {
        let server = try #require(LiveServer.current)
        var runner = ScenarioRunner(server: server)
        await runner.run([Self.register("ezra", "adm.ezra@example.com"), Self.register("erin", "adm.erin@example.com")])
        let port = try #require(server.ports.apps["alpha"])
        let clientKey = runner.resolve("{{alpha.client}}", for: "stream")
        func open(_ token: String) async throws -> ServerSentEventReader {
            let stream = try await ServerSentEventReader.open(
                port: port, path: "/db/collections/admstream/subscribe",
                headers: [("X-API-Key", clientKey), ("Authorization", "Bearer " + token)])
            #expect(stream.status == 200)
            let opening = try await stream.events { $0.event == "ready" }
            #expect(opening.last?.event == "ready")
            return stream
        }
        let ezraStream = try await open(runner.resolve("{{ezraToken}}", for: "stream"))
        let erinStream = try await open(runner.resolve("{{erinToken}}", for: "stream"))

        await runner.run([
            APIScenario(name: "the admin disables ezra",
                        port: .app("alpha"), method: "PATCH", path: "/admin/users/{{ezra}}",
                        headers: [.apiKey("{{alpha.admin}}"), .json], body: #"{"disabled":true}"#,
                        expectedStatus: 200, expectedContent: [#""disabled":true"#],
                        expectedEvents: [.audit("auth.user.disabled", app: "alpha", target: "{{ezra}}")]),
        ])
        let ending = try await ezraStream.events { $0.event == "auth_revoked" }
        #expect(ending.last?.event == "auth_revoked")
        #expect(ending.last?.data == #"{"code":"user_disabled"}"#)
        #expect(try await ezraStream.next() == nil, "the stream goes on after auth_revoked")
        await ezraStream.close()

        // Erin's stream lives on: a change she may read still reaches her.
        await runner.run([
            Self.write("erin", #"{"n":1}"#, into: "admstream"),
        ])
        let erinEvents = try await erinStream.events { $0.event == "create" || $0.event == "auth_revoked" }
        #expect(erinEvents.last?.event == "create")
        await erinStream.close()
    }

    static let storageUsage: [APIScenario] = [
        register("una", "adm.una@example.com"),
        APIScenario(name: "una uploads a file", port: .app("alpha"), method: "POST",
                    path: "/storage/buckets/admusage/upload?name=a.txt",
                    headers: [.apiKey("{{alpha.client}}"), .bearer("{{unaToken}}"), ScenarioHeader("Content-Type", "text/plain")],
                    body: "12345", expectedStatus: 201, expectedEvents: [.audit("file.upload", app: "alpha")],
                    otherEvents: .allowed, captures: ["unaFile": "id"]),
        APIScenario(name: "and a second version of it", port: .app("alpha"), method: "PUT",
                    path: "/storage/buckets/admusage/{{unaFile}}",
                    headers: [.apiKey("{{alpha.client}}"), .bearer("{{unaToken}}"), ScenarioHeader("Content-Type", "text/plain")],
                    body: "1234567", expectedStatus: 200, expectedEvents: [.audit("file.version", app: "alpha")],
                    otherEvents: .allowed),
        APIScenario(name: "the usage counts both versions, per bucket and per user",
                    port: .app("alpha"), path: "/admin/storage/usage", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200,
                    expectedContent: [#"{"bucket":"admusage","files":1,"versions":2,"bytes":12}"#,
                                      #"{"userId":"{{una}}","files":1,"bytes":12}"#, #""total":{"files":"#]),
        APIScenario(name: "the client key cannot read usage",
                    port: .app("alpha"), path: "/admin/storage/usage", headers: [.apiKey("{{alpha.client}}")],
                    expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "usage without a key is 401",
                    port: .app("alpha"), path: "/admin/storage/usage", expectedStatus: 401,
                    expectedContent: [#""code":"missing_api_key""#]),
        APIScenario(name: "stats: the client key is 403",
                    port: .app("alpha"), path: "/admin/stats", headers: [.apiKey("{{alpha.client}}")],
                    expectedStatus: 403, expectedContent: [#""code":"forbidden""#]),
        APIScenario(name: "stats without a key is 401",
                    port: .app("alpha"), path: "/admin/stats", expectedStatus: 401,
                    expectedContent: [#""code":"missing_api_key""#]),
    ]

    @Test("GET /admin/storage/usage counts every version per bucket and per user")
    func storageUsageRoute() async throws {
        var runner = try Self.runner()
        await runner.run(Self.storageUsage)
    }

    @Test("GET /admin/stats: users, records per collection, storage, streams, requests per minute")
    func statsRoute() async throws {
        let server = try #require(LiveServer.current)
        var runner = ScenarioRunner(server: server)
        await runner.run([
            Self.register("stan", "adm.stan@example.com"),
            Self.write("stan", #"{"n":1}"#, into: "admstats"),
            APIScenario(name: "a 404 counts as a client error", port: .app("alpha"), path: "/no/such/route",
                        headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 404),
        ])
        let port = try #require(server.ports.apps["alpha"])
        let admin = try #require(server.keys["alpha"]?.admin)
        // Request summaries reach the per-minute counts within one drain (100 ms): poll, bounded.
        var stats = JSONValue.null
        for _ in 0..<100 {
            let response = try await RawHTTPClient.exchange(
                port: port, pieces: [RawRequest.make("GET", "/admin/stats", host: "127.0.0.1", headers: [("X-API-Key", admin)])])
            #expect(response.status == 200, "\(response.bodyText)")
            stats = response.json
            let minutes = stats["requestsPerMinute"]?.arrayValue ?? []
            let requests = minutes.reduce(Int64(0)) { $0 + ($1["requests"]?.intValue ?? 0) }
            let clientErrors = minutes.reduce(Int64(0)) { $0 + ($1["clientErrors"]?.intValue ?? 0) }
            if requests > 0 && clientErrors > 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let minutes = try #require(stats["requestsPerMinute"]?.arrayValue)
        #expect(minutes.count == 60)
        #expect(minutes.reduce(Int64(0)) { $0 + ($1["requests"]?.intValue ?? 0) } > 0)
        #expect(minutes.reduce(Int64(0)) { $0 + ($1["clientErrors"]?.intValue ?? 0) } > 0)
        let times = minutes.compactMap { $0["minute"]?.stringValue }
        #expect(times.count == 60 && times == times.sorted(), "minutes are not oldest first: \(times)")
        #expect((stats["users"]?.intValue ?? 0) >= 1)
        let collections = try #require(stats["collections"]?.arrayValue)
        #expect(collections.contains { $0["name"]?.stringValue == "admstats" && $0["records"]?.intValue == 1 })
        #expect(stats["files"]?.intValue != nil && stats["bytes"]?.intValue != nil && stats["sseStreams"]?.intValue != nil)
    }

    static let adminRecordBrowsing: [APIScenario] = [
        register("rita", "adm.rita@example.com"),
        Self.write("rita", #"{"n":1,"tag":"a"}"#, into: "admbrowse", capture: "r1"),
        Self.write("rita", #"{"n":2,"tag":"b"}"#, into: "admbrowse", capture: "r2"),
        Self.write("rita", #"{"n":3,"tag":"a"}"#, into: "admbrowse", capture: "r3"),
        APIScenario(name: "the collection's rules are owner-only (the defaults): the client key alone sees nothing",
                    port: .app("alpha"), path: "/db/collections/admbrowse", headers: [.apiKey("{{alpha.client}}")],
                    expectedStatus: 401, expectedContent: [#""code":"missing_token""#]),
        APIScenario(name: "the admin filters and sorts rita's records (rules bypassed)",
                    port: .app("alpha"),
                    path: "/db/collections/admbrowse?filter=tag%20%3D%20%22a%22&sort=-n&count=true",
                    headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 200, expectedContent: [#""total":2"#, #""ownerId":"{{rita}}""#],
                    notExpectedContent: ["{{r2}}"],
                    captures: ["first": "items.0.id", "second": "items.1.id"]),
        APIScenario(name: "a bad filter is 400 for the admin too",
                    port: .app("alpha"), path: "/db/collections/admbrowse?filter=tag%20%3D%3D", headers: [.apiKey("{{alpha.admin}}")],
                    expectedStatus: 400, expectedContent: [#""code":"invalid_filter""#]),
        APIScenario(name: "the admin edits rita's record",
                    port: .app("alpha"), method: "PATCH", path: "/db/collections/admbrowse/{{r1}}",
                    headers: [.apiKey("{{alpha.admin}}"), .json], body: #"{"tag":"edited"}"#,
                    expectedStatus: 200, expectedContent: [#""tag":"edited""#, #""ownerId":"{{rita}}""#, #""version":2"#],
                    expectedEvents: [.audit("record.update", app: "alpha", target: "admbrowse/{{r1}}", keyID: "{{alpha.adminID}}")]),
        APIScenario(name: "rita sees the admin's edit",
                    port: .app("alpha"), path: "/db/collections/admbrowse/{{r1}}",
                    headers: [.apiKey("{{alpha.client}}"), .bearer("{{ritaToken}}")],
                    expectedStatus: 200, expectedContent: [#""tag":"edited""#]),
        APIScenario(name: "the admin deletes rita's record",
                    port: .app("alpha"), method: "DELETE", path: "/db/collections/admbrowse/{{r2}}",
                    headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 204,
                    expectedEvents: [.audit("record.delete", app: "alpha", target: "admbrowse/{{r2}}", keyID: "{{alpha.adminID}}")]),
        APIScenario(name: "it is gone for rita",
                    port: .app("alpha"), path: "/db/collections/admbrowse/{{r2}}",
                    headers: [.apiKey("{{alpha.client}}"), .bearer("{{ritaToken}}")], expectedStatus: 404),
    ]

    @Test("The admin key browses records through /db: filter, sort, edit, delete, rules bypassed")
    func adminRecordBrowsing() async throws {
        var runner = try Self.runner()
        await runner.run(Self.adminRecordBrowsing)
        // `sort=-n`: the record with n = 3 first.
        #expect(runner.resolve("{{first}}", for: "sort") == runner.resolve("{{r3}}", for: "sort"))
        #expect(runner.resolve("{{second}}", for: "sort") == runner.resolve("{{r1}}", for: "sort"))
    }
}
