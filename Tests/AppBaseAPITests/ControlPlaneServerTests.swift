import AppBaseCore
import AppBaseTestSupport
import Testing
@testable import AppBasePlatform
#if canImport(Glibc)
import Glibc
#endif

/// The control plane and the app registry on servers of their own: fault containment at
/// start, persistence of API-created apps, the event stream, key revocation, and the entry
/// points the HealthMonitor drives.
@Suite("Control plane and app registry")
struct ControlPlaneServerTests {
    /// `method path` on the master port with the master key; the parsed response.
    static func call(_ port: Int, _ method: String, _ path: String, key: String?, body: String? = nil,
                     host: String = "127.0.0.1") async throws -> RawHTTPResponse {
        var headers: [(String, String)] = []
        if let key { headers.append(("X-Master-Key", key)) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = RawRequest.make(method, path, host: host, headers: headers, body: body.map { Array($0.utf8) })
        return try await RawHTTPClient.exchange(port: port, pieces: [request], method: method)
    }

    @Test("an app that cannot start is failed with its reason, and every other app serves")
    func faultContainmentAtStart() async throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-broken")
        defer { TemporaryDirectory.remove(directory) }
        let holder = try #require(PortHolder())
        // A regular file where the app's data directory must be: the app cannot create it.
        try #require(mkdir(directory, 0o700) == 0 || errno == EEXIST)
        let blocker = open("\(directory)/unreadable", O_CREAT | O_WRONLY, 0o600)
        try #require(blocker >= 0)
        close(blocker)
        var configuration = LiveServer.configuration(apps: ["good", "taken", "unreadable"])
        configuration.apps[1].port = holder.port
        let key = try await MasterKeyAdministration.create(dataDirectory: directory, name: "test").key
        let root = RootSupervisor(configuration: configuration, dataDirectory: directory, logger: LiveServer.silentLogger)
        let recorder = BusRecorder(bus: root.bus)
        defer { recorder.cancel() }
        let ports = try await root.start()

        #expect(ports.apps.keys.sorted() == ["good"])
        let goodPort = try #require(ports.apps["good"])
        let health = try await RawHTTPClient.exchange(port: goodPort, pieces: [RawRequest.make("GET", "/health")])
        #expect(health.status == 200)

        let taken = try await Self.call(ports.master, "GET", "/api/apps/taken", key: key)
        #expect(taken.status == 200)
        #expect(taken.json["state"] == "failed")
        #expect(taken.json["lastError"]?.stringValue == "Port \(holder.port) (fixed for app taken) is in use by another process.")
        let unreadable = try await Self.call(ports.master, "GET", "/api/apps/unreadable", key: key)
        #expect(unreadable.json["state"] == "failed")
        #expect(unreadable.json["lastError"]?.stringValue?.isEmpty == false, "\(unreadable.bodyText)")

        let events = await recorder.take().map(ScenarioRunner.describe)
        #expect(events.contains("taken failed") && events.contains("unreadable failed") && events.contains("good running"),
                "got \(events)")

        // Once the port is free, a start brings the app up.
        let freed = holder.port
        holder.release()
        let started = try await Self.call(ports.master, "POST", "/api/apps/taken/start", key: key)
        #expect(started.status == 200)
        #expect(started.json["state"] == "running", "\(started.bodyText)")
        #expect(started.json["port"]?.intValue == Int64(freed))
        await root.shutdown()
    }

    @Test("apps created through the API come back after a restart; a name also in the config is refused")
    func persistence() async throws {
        // A range of its own: other tests running meanwhile create API apps from the shared
        // range, and one that took this app's port between the two starts would move it. Below
        // Linux's ephemeral range (32768–60999), so no test's outgoing connection can hold it.
        let ownRange = 31600...31699
        let server = try await LiveServer.start(apps: ["alpha"]) { $0.portRange = ownRange }
        let created = try await Self.call(server.ports.master, "POST", "/api/apps", key: server.masterKey, body: #"{"name":"kept"}"#)
        #expect(created.status == 201, "\(created.bodyText)")
        let port = try #require(created.json["port"]?.intValue)
        await server.root.shutdown()

        var restarted = LiveServer.configuration(apps: ["alpha"])
        restarted.portRange = ownRange
        let again = RootSupervisor(configuration: restarted, dataDirectory: server.dataDirectory, logger: LiveServer.silentLogger)
        let ports = try await again.start()
        #expect(ports.apps["kept"] == Int(port), "an API app keeps its port across restarts")
        let registry = try #require(await again.registry)
        let status = try #require(await registry.status("kept"))
        #expect(status.source == .api && status.state == .running)
        await again.shutdown()

        let clash = RootSupervisor(configuration: LiveServer.configuration(apps: ["alpha", "kept"]),
                                   dataDirectory: server.dataDirectory, logger: LiveServer.silentLogger)
        await #expect(throws: AppSourceConflictError.self) { _ = try await clash.start() }
        await server.stop()
    }

    @Test("/api/events starts with a snapshot, then streams lifecycle events")
    func eventStream() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        let reader = try await ServerSentEventReader.open(port: server.ports.master, path: "/api/events",
                                                          headers: [("X-Master-Key", server.masterKey)])
        #expect(reader.status == 200)
        #expect(reader.header("content-type")?.hasPrefix("text/event-stream") == true)
        let snapshot = try #require(try await reader.next())
        #expect(snapshot.event == "snapshot")
        #expect(snapshot.json["items"]?.arrayValue?.first?["name"] == "alpha")

        let stopped = try await Self.call(server.ports.master, "POST", "/api/apps/alpha/stop", key: server.masterKey)
        #expect(stopped.status == 200)
        // The HealthMonitor publishes its own reports meanwhile: each read skips events of other kinds.
        func next(_ kind: String, where matches: (ParsedServerSentEvent) -> Bool = { _ in true }) async throws -> ParsedServerSentEvent? {
            for _ in 0..<50 {
                guard let event = try await reader.next() else { return nil }
                if event.event == kind && matches(event) { return event }
            }
            return nil
        }
        let stopping = try #require(try await next("lifecycle"))
        #expect(stopping.event == "lifecycle")
        #expect(stopping.json["app"] == "alpha" && stopping.json["state"] == "stopping")
        #expect(stopping.json["time"]?.stringValue.flatMap(Timestamp.parse) != nil)
        let stoppedEvent = try #require(try await next("lifecycle"))
        #expect(stoppedEvent.json["state"] == "stopped")

        await server.root.bus.publish(.health(HealthReport(app: "alpha", healthy: false, routerMicros: 120, message: "db probe timed out")))
        let health = try #require(try await next("health") { $0.json["message"] == "db probe timed out" })
        #expect(health.event == "health")
        #expect(health.json["app"] == "alpha" && health.json["healthy"] == false)
        #expect(health.json["routerMicros"]?.intValue == 120 && health.json["databaseMicros"] == .null)
        #expect(health.json["message"] == "db probe timed out")

        let refused = try await ServerSentEventReader.open(port: server.ports.master, path: "/api/events")
        #expect(refused.status == 401)
        await server.stop()
    }

    @Test("a revoked master key is refused on the next request")
    func revokedMasterKey() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        #expect(try await Self.call(server.ports.master, "GET", "/api/apps", key: server.masterKey).status == 200)
        let keys = try await MasterKeyAdministration.list(dataDirectory: server.dataDirectory)
        #expect(keys.count == 1 && keys[0].revokedAt == nil)
        let revoked = try await MasterKeyAdministration.revoke(dataDirectory: server.dataDirectory, idOrPrefix: keys[0].id)
        #expect(revoked.revokedAt != nil)
        let refused = try await Self.call(server.ports.master, "GET", "/api/apps", key: server.masterKey)
        #expect(refused.status == 401)
        #expect(refused.json["error"]?["code"] == "unauthorized")
        await server.stop()
    }

    @Test("restart and health reports drive the machine: running → degraded → running, failed → provisioning")
    func healthEntryPoints() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        _ = await server.events.take()
        let registry = try #require(await server.root.registry)
        await registry.markHealth(app: "alpha", report: HealthReport(app: "alpha", healthy: false, message: "slow"))
        #expect(await registry.status("alpha")?.state == .degraded)
        await registry.markHealth(app: "alpha", report: HealthReport(app: "alpha", healthy: true))
        #expect(await registry.status("alpha")?.state == .running)
        let restarted = try await registry.restart(app: "alpha", reason: "probe timed out")
        #expect(restarted.state == .running && restarted.restarts == 1 && restarted.lastError == nil)
        let events = await server.events.take().map(ScenarioRunner.describe)
        #expect(events == ["alpha degraded", "alpha running", "alpha failed", "alpha provisioning", "alpha running"])
        await server.stop()
    }

    @Test("creating and deleting an app drops no request of another app")
    func noDroppedRequestsWhileProvisioning() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        let alphaPort = try #require(server.ports.apps["alpha"])
        let master = server.ports.master
        // A client of alpha, by its port and by its host name, for as long as the changes run
        // (bounded: at most 2000 requests).
        let done = Gate()
        let client = Task { () -> [Int] in
            var statuses: [Int] = []
            while !done.isOpen && statuses.count < 2000 {
                let byPort = try await RawHTTPClient.exchange(port: alphaPort, pieces: [RawRequest.make("GET", "/health")])
                let byHost = try await RawHTTPClient.exchange(
                    port: master, pieces: [RawRequest.make("GET", "/health", host: "api.alpha.appbase.local")])
                statuses += [byPort.status, byHost.status]
            }
            return statuses
        }
        for round in 0..<3 {
            let created = try await Self.call(master, "POST", "/api/apps", key: server.masterKey, body: #"{"name":"churn\#(round)"}"#)
            #expect(created.status == 201, "\(created.bodyText)")
            let deleted = try await Self.call(master, "DELETE", "/api/apps/churn\(round)", key: server.masterKey)
            #expect(deleted.status == 200, "\(deleted.bodyText)")
        }
        done.open()
        let statuses = try await client.value
        #expect(!statuses.isEmpty)
        #expect(statuses.allSatisfy { $0 == 200 }, "alpha answered \(Set(statuses))")
        await server.stop()
    }

    @Test("AppInfo counts finished requests and 5xx answers from the bus")
    func requestCounters() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        // Two loop turns' worth: one of two requests, one of one.
        server.root.bus.publishDroppable(.requestsCompleted([200, 404].map {
            RequestSummary(app: "alpha", method: "GET", route: "/health", status: $0, durationMicros: 10)
        }))
        server.root.bus.publishDroppable(.requestsCompleted([
            RequestSummary(app: "alpha", method: "GET", route: "/health", status: 503, durationMicros: 10),
        ]))
        let counted = await eventually {
            let info = try? await Self.call(server.ports.master, "GET", "/api/apps/alpha", key: server.masterKey)
            return info?.json["requests"]?["total"]?.intValue == 3
        }
        #expect(counted)
        let info = try await Self.call(server.ports.master, "GET", "/api/apps/alpha", key: server.masterKey)
        #expect(info.json["requests"]?["errors"]?.intValue == 1)
        await server.stop()
    }
}
