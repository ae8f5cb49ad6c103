import AppBaseHTTP
import AppBaseTestSupport
import Testing

/// Stopping or deleting an app lets the requests already inside it finish before its database
/// closes: `HTTPServer.drain(app:port:timeout:)` waits for them (bounded), closes the port's idle
/// connections and lets its busy ones close after their answer.
@Suite("Draining one app's requests", .timeLimit(.minutes(2)))
struct AppDrainTests {
    @Test("drain waits for the app's request in flight, which is answered; the port's idle connections close")
    func drainWaitsForInFlight() async throws {
        try await withTestServer { server in
            let idle = try await server.connect()
            try await idle.send(RawRequest.make("GET", "/health"))
            #expect(try await idle.readResponse().status == 200)
            let busy = try await server.connect()
            try await busy.send(RawRequest.make("GET", "/wait"))
            #expect(await server.events.wait(for: "wait-started"))
            #expect(await server.server.inFlightCount(app: "test") == 1)

            let draining = Task {
                await server.server.drain(app: "test", port: server.port, timeout: .seconds(60))
                server.events.record("drained")
            }
            #expect(await idle.waitForClose().isClosed, "the port's idle connection stayed open")
            #expect(server.events.count(of: "drained") == 0, "drain returned with a request in flight")
            server.gate.open()
            let answer = try await busy.readResponse()
            #expect(answer.status == 200)
            #expect(answer.closesConnection, "the busy connection was kept alive after the drain")
            await draining.value
            #expect(server.events.count(of: "drained") == 1)
            #expect(await server.server.inFlightCount(app: "test") == 0)
        }
    }

    @Test("drain gives up after its timeout when a request does not finish, and other apps are not waited for")
    func drainTimesOut() async throws {
        try await withTestServer { server in
            let busy = try await server.connect()
            try await busy.send(RawRequest.make("GET", "/wait"))
            #expect(await server.events.wait(for: "wait-started"))
            // Another app's drain does not wait for this app's request.
            await server.server.drain(app: "other", port: nil, timeout: .seconds(60))
            await server.server.drain(app: "test", port: nil, timeout: .milliseconds(100))
            #expect(await server.server.inFlightCount(app: "test") == 1)
            server.gate.open()
            #expect(try await busy.readResponse().status == 200)
        }
    }
}
