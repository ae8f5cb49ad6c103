import AppBaseHTTP
import AppBaseTestSupport
import Testing
import AppBaseCore

@Suite("Graceful shutdown", .timeLimit(.minutes(3)))
struct ShutdownTests {
    @Test("in-flight request completes, new connections are refused, shutdown returns")
    func gracefulShutdown() async throws {
        try await withTestServer(limits: .test { $0.shutdownGraceMillis = 10_000 }) { server in
            let busy = try await server.connect()
            try await busy.send(RawRequest.make("GET", "/wait"))
            #expect(await server.events.wait(for: "wait-started"))
            let idle = try await server.connect()
            try await idle.send(RawRequest.make("GET", "/health"))
            #expect(try await idle.readResponse().status == 200)

            let finished = EventLog()
            let shutdown = Task {
                await server.server.shutdown()
                finished.record("shutdown-returned")
            }
            // The idle keep-alive connection is closed at once.
            #expect(await idle.waitForClose().isClosed)
            // New connections are refused once the listener is closed.
            let refused = await eventually {
                do {
                    let probe = try await RawHTTPClient.connect(port: server.port)
                    await probe.close()
                    return false
                } catch let error as RawHTTPClientError {
                    return error.isConnectionRefused
                } catch {
                    return false
                }
            }
            #expect(refused)
            #expect(!finished.contains("shutdown-returned"))

            server.gate.open()
            let response = try await busy.readResponse()
            #expect(response.status == 200)
            #expect(response.json["released"]?.boolValue == true)
            #expect(response.closesConnection)
            #expect(await busy.waitForClose().isClosed)
            #expect(await finished.wait(for: "shutdown-returned"))
            await shutdown.value
            #expect(await server.connectionCount() == 0)
        }
    }

    @Test("a stream that never ends is closed when the grace period runs out")
    func graceExpires() async throws {
        try await withTestServer(limits: .test { $0.shutdownGraceMillis = 300 }) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/sse-forever"))
            #expect(try await client.readHead().status == 200)
            #expect(await server.events.wait(for: "forever-started"))

            let finished = EventLog()
            let started = ContinuousClock.now
            let shutdown = Task {
                await server.server.shutdown()
                finished.record("shutdown-returned")
            }
            #expect(await finished.wait(for: "shutdown-returned", timeout: .seconds(30)),
                    "shutdown did not return after its grace period")
            #expect(ContinuousClock.now - started >= .milliseconds(250))
            #expect(await client.waitForClose().isClosed)
            #expect(await server.events.wait(for: "forever-ended cancelled=true"))
            await shutdown.value
        }
    }

    @Test("shutdown with nothing open returns without waiting for the grace period")
    func idleShutdown() async throws {
        // The grace period is two minutes, so the bound below only tells "returned at once"
        // from "waited for the grace period", however slow the machine.
        try await withTestServer(limits: .test { $0.shutdownGraceMillis = 120_000 }) { server in
            let started = ContinuousClock.now
            await server.server.shutdown()
            #expect(ContinuousClock.now - started < .seconds(60))
            // (Refusing new connections is checked by the in-flight test above; probing the freed
            // ephemeral port here could reach another test's server that the OS gave it to.)
        }
    }
}
