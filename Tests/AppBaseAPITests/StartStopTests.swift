import AppBaseCore
import AppBasePlatform
import AppBaseTestSupport
import Testing

/// The assembled server's lifecycle: what start and shutdown publish, that shutdown frees every
/// port and the data directory, and that a second server on a busy data directory stops cleanly.
/// Each test has its own server.
@Suite("Assembled server start and stop")
struct StartStopTests {
    @Test("start publishes each app's starting and running, in app order, and nothing else")
    func startEvents() async throws {
        let server = try await LiveServer.start()
        let events = await server.events.take()
        await server.stop()
        #expect(ExpectedEvent.matches(events, expected: [
            .lifecycle(.provisioning, app: "alpha"), .lifecycle(.running, app: "alpha"),
            .lifecycle(.provisioning, app: "beta"), .lifecycle(.running, app: "beta"),
        ], others: .forbidden), "got \(events.map(ScenarioRunner.describe))")
    }

    @Test("after shutdown every port refuses connections and the data directory is free again")
    func shutdownReleasesPortsAndLock() async throws {
        let server = try await LiveServer.start()
        _ = await server.events.take()
        let ports = [server.ports.master] + LiveServer.appNames.compactMap { server.ports.apps[$0] }
        #expect(ports.count == 3)
        for port in ports {
            let health = try await RawHTTPClient.exchange(port: port, pieces: [RawRequest.make("GET", "/health")])
            #expect(health.status == 200)
        }

        await server.root.shutdown()

        // Each app says stopping (the apps stop concurrently) before it says stopped (in app order).
        let stopEvents = await server.events.take().map(ScenarioRunner.describe)
        #expect(Set(stopEvents.prefix(2)) == ["alpha stopping", "beta stopping"], "got \(stopEvents)")
        #expect(Array(stopEvents.dropFirst(2)) == ["alpha stopped", "beta stopped"], "got \(stopEvents)")
        for port in ports {
            await #expect(throws: RawHTTPClientError.self, "port \(port) still accepts") {
                do {
                    _ = try await RawHTTPClient.connect(port: port)
                } catch let error as RawHTTPClientError {
                    #expect(error.isConnectionRefused, "port \(port): \(error)")
                    throw error
                }
            }
        }
        #expect(!TemporaryDirectory.exists("\(server.dataDirectory)/appbase.sock"), "the control socket outlived the server")

        // The lock is gone: a new server starts on the same directory, keys and data intact.
        let again = RootSupervisor(configuration: LiveServer.configuration(), dataDirectory: server.dataDirectory,
                                   logger: LiveServer.silentLogger)
        let againPorts = try await again.start()
        let alphaPort = try #require(againPorts.apps["alpha"])
        let keys = try #require(server.keys["alpha"])
        let request = RawRequest.make("GET", "/admin/collections", headers: [("X-API-Key", keys.admin)])
        let collections = try await RawHTTPClient.exchange(port: alphaPort, pieces: [request])
        #expect(collections.status == 200, "\(collections.bodyText)")
        await again.shutdown()
        await server.stop()
    }

    @Test("a second server on a running server's data directory fails before touching it")
    func secondServerOnTheSameDirectory() async throws {
        let server = try await LiveServer.start()
        _ = await server.events.take()
        let second = RootSupervisor(configuration: LiveServer.configuration(), dataDirectory: server.dataDirectory,
                                    logger: LiveServer.silentLogger)
        let secondEvents = BusRecorder(bus: second.bus)

        await #expect(throws: DataDirectoryBusyError.self) { _ = try await second.start() }

        #expect(await secondEvents.take().isEmpty, "the refused server started an app")
        secondEvents.cancel()
        #expect(await server.events.take().isEmpty, "the running server saw a lifecycle change")
        #expect(TemporaryDirectory.exists("\(server.dataDirectory)/appbase.sock"), "the refused server removed the control socket")
        // The first server still serves, database included, on every port.
        var runner = ScenarioRunner(server: server)
        await runner.run([
            APIScenario(name: "master still answers", path: "/health", expectedStatus: 200,
                        expectedContent: [#""app":"master""#]),
            APIScenario(name: "alpha still reads its database", port: .app("alpha"), path: "/admin/collections",
                        headers: [.apiKey("{{alpha.admin}}")], expectedStatus: 200),
            APIScenario(name: "beta still reads its database", path: "/admin/collections", host: "api.beta.appbase.local",
                        headers: [.apiKey("{{beta.admin}}")], expectedStatus: 200),
        ])
        await server.stop()
    }
}
