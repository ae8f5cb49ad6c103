import AppBaseCore
import AppBaseHTTP
@testable import AppBasePlatform
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Faults, static sites and hot reload on the assembled server (RootSupervisor, registry,
/// control plane), over real sockets.
@Suite struct AssembledServerHealthTests {
    static func send(_ port: Int, _ method: String, _ path: String, host: String = "127.0.0.1",
                     headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> RawHTTPResponse {
        try await RawHTTPClient.exchange(port: port, pieces: [RawRequest.make(method, path, host: host, headers: headers, body: body)],
                                         method: method, timeout: .seconds(10))
    }

    @Test func theFaultsRouteIsAbsentByDefault() async throws {
        let server = try await LiveServer.start()
        let response = try await Self.send(server.ports.master, "POST", "/api/apps/alpha/faults",
                                           headers: [("X-Master-Key", server.masterKey), ("Content-Type", "application/json")],
                                           body: Array(#"{"kind":"crash"}"#.utf8))
        await server.stop()
        #expect(response.status == 404)
    }

    @Test func aCrashInjectedThroughTheAPIIsRecoveredWhileItsNeighbourServes() async throws {
        let server = try await LiveServer.start { configuration in
            configuration.faults.enabled = true
            // The defaults: two rounds a second apart leave time to see the 503 before the restart.
            configuration.health = HealthSettings()
        }
        let watcher = LifecycleWatcher(bus: server.root.bus)
        let master = server.ports.master
        let alpha = try #require(server.ports.apps["alpha"])
        let beta = try #require(server.ports.apps["beta"])
        let unauthenticated = try await Self.send(master, "POST", "/api/apps/alpha/faults", body: Array(#"{"kind":"crash"}"#.utf8))
        let injected = ContinuousClock.now
        let accepted = try await Self.send(master, "POST", "/api/apps/alpha/faults",
                                           headers: [("X-Master-Key", server.masterKey), ("Content-Type", "application/json")],
                                           body: Array(#"{"kind":"crash"}"#.utf8))
        // The crash withdrew its routes before the 202: its port and host name say "retry".
        let ownPort = try await Self.send(alpha, "GET", "/health")
        let byName = try await Self.send(master, "GET", "/health", host: "api.alpha.appbase.local")
        let neighbour = try await Self.send(beta, "GET", "/health")
        let failed = await watcher.log.wait(for: "alpha failed", timeout: .seconds(15))
        let detected = ContinuousClock.now - injected
        // The watcher subscribed after start: the first "alpha running" it sees is the restart's.
        let back = await watcher.log.wait(for: "alpha running", timeout: .seconds(20))
        let recovered = ContinuousClock.now - injected
        let after = try await Self.send(alpha, "GET", "/health")
        let info = try await Self.send(master, "GET", "/api/apps/alpha", headers: [("X-Master-Key", server.masterKey)])
        let events = watcher.log.events
        watcher.cancel()
        await server.stop()
        print("assembled server, crash via the API: failed after \(detected), running again after \(recovered) (interval 1000 ms, timeout 1000 ms, 2 failures)")
        #expect(unauthenticated.status == 401)
        #expect(accepted.status == 202)
        #expect(ownPort.status == 503)
        #expect(ownPort.header("retry-after") == "1")
        #expect(byName.status == 503)
        #expect(byName.errorCode == "unavailable")
        #expect(neighbour.status == 200)
        #expect(failed)
        #expect(back)
        #expect(after.status == 200)
        #expect(info.json["restarts"]?.intValue == 1)
        #expect(info.json["state"]?.stringValue == "running")
        #expect(!events.contains { $0.hasPrefix("beta ") })
    }

    @Test func aSiteUploadedThroughTheAPIIsServedByHostName() async throws {
        let server = try await LiveServer.start()
        let master = server.ports.master
        var tar = TarBuilder()
        tar.add("index.html", contents: "<main id=app></main>")
        tar.add("app.js", contents: "export {}")
        let key = ("X-Master-Key", server.masterKey)
        let uploaded = try await Self.send(master, "PUT", "/api/apps/alpha/site", headers: [key, ("Content-Type", "application/x-tar")],
                                           body: tar.archive)
        var evil = TarBuilder()
        evil.add("../../master.sqlite", contents: "x")
        let refused = try await Self.send(master, "PUT", "/api/apps/alpha/site", headers: [key, ("Content-Type", "application/x-tar")],
                                          body: evil.archive)
        let noKey = try await Self.send(master, "PUT", "/api/apps/alpha/site", headers: [("Content-Type", "application/x-tar")],
                                        body: tar.archive)
        let unknown = try await Self.send(master, "PUT", "/api/apps/ghost/site", headers: [key, ("Content-Type", "application/x-tar")],
                                          body: tar.archive)
        let index = try await Self.send(master, "GET", "/", host: "alpha.appbase.local:\(master)")
        let spa = try await Self.send(master, "GET", "/notes/7", host: "ALPHA.appbase.local")
        let script = try await Self.send(master, "GET", "/app.js", host: "alpha.appbase.local")
        let missing = try await Self.send(master, "GET", "/missing.css", host: "alpha.appbase.local")
        let otherApp = try await Self.send(master, "GET", "/", host: "ghost.appbase.local")
        await server.stop()
        #expect(uploaded.status == 200)
        #expect(uploaded.json["files"]?.intValue == 2)
        #expect(refused.status == 400)
        #expect(noKey.status == 401)
        #expect(unknown.status == 404)
        #expect(index.status == 200)
        #expect(index.bodyText == "<main id=app></main>")
        #expect(index.header("x-content-type-options") == "nosniff")
        #expect(spa.bodyText == "<main id=app></main>")
        #expect(script.header("content-type") == "text/javascript; charset=utf-8")
        #expect(missing.status == 404)
        #expect(otherApp.status == 404)
    }

    @Test func hotReloadAddsAndRemovesAppsWhileAThirdStreamsWithoutAGap() async throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-reload")
        defer { TemporaryDirectory.remove(directory) }
        let path = directory + "/appbase.toml"
        let header = "[server]\nport = 0\n[ports]\nfirst = 42100\nlast = 42999\n[health]\ninterval_ms = 3600000\n"
        try ConfigReloaderTests.write(header + "[apps.keep]\n[apps.gone]\n", to: path)
        var configuration = try ConfigLoader.load(path: path)
        configuration.watchesSourceFile = true
        let key = try await LiveServer.makeKeys(dataDirectory: directory, app: "keep").admin
        let root = RootSupervisor(configuration: configuration, dataDirectory: directory, logger: LiveServer.silentLogger)
        let watcher = LifecycleWatcher(bus: root.bus)
        let ports = try await root.start()
        let keep = try #require(ports.apps["keep"])
        let headers = [("X-API-Key", key), ("Content-Type", "application/json")]
        #expect(try await Self.send(keep, "POST", "/admin/collections", headers: headers, body: Array(#"{"name":"notes"}"#.utf8)).status == 201)
        let stream = try await ServerSentEventReader.open(port: keep, path: "/db/collections/notes/subscribe", headers: [("X-API-Key", key)])
        _ = try await stream.events(until: { $0.event == "ready" })
        #expect(try await Self.send(keep, "POST", "/db/collections/notes", headers: headers, body: Array(#"{"n":1}"#.utf8)).status == 201)

        // Saved the way editors do: a new file renamed over the old one.
        try ConfigReloaderTests.write(header + "[apps.keep]\n[apps.fresh]\n", to: path + ".tmp")
        rename(path + ".tmp", path)
        let added = await watcher.log.wait(for: "fresh running", timeout: .seconds(30))
        let removed = await watcher.log.wait(for: "gone deleted", timeout: .seconds(30))
        #expect(try await Self.send(keep, "POST", "/db/collections/notes", headers: headers, body: Array(#"{"n":2}"#.utf8)).status == 201)
        let events = try await stream.events(until: { $0.event == "create" && $0.data.contains("\"n\":2") })
        await stream.close()
        let freshPort = await root.registry?.boundPorts()["fresh"]
        let lifecycle = watcher.log.events
        watcher.cancel()
        await root.shutdown()
        #expect(added)
        #expect(removed)
        #expect(freshPort != nil)
        let creates = events.filter { $0.event == "create" }
        #expect(creates.count == 2)
        #expect(!events.contains { $0.event == "reset" })
        if creates.count == 2, let first = creates[0].seq, let second = creates[1].seq { #expect(second == first + 1) }
        // Subscribed before start: the streaming app's only moves are its own start.
        #expect(lifecycle.filter { $0.hasPrefix("keep ") } == ["keep provisioning", "keep running"], "\(lifecycle)")
    }
}
