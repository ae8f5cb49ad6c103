import AppBaseCore
import AppBaseHTTP

/// A real HTTP server for tests: its own event loop and a server listening on an ephemeral
/// port of 127.0.0.1, dispatching every request to one dispatcher (usually an app's `Router`).
public final class TestHTTPHost: Sendable {
    public let loop: EventLoop
    public let server: HTTPServer
    /// The port the server listens on.
    public let port: Int

    private init(loop: EventLoop, server: HTTPServer, port: Int) {
        self.loop = loop
        self.server = server
        self.port = port
    }

    /// Starts a loop and a server and begins listening. The access log is off unless given;
    /// with a `bus`, request summaries are published on it (as the assembled server does).
    /// - Throws: what `listen` throws; the loop is stopped again first.
    public static func start(serving dispatcher: any HTTPDispatcher, loopName: String = "test-loop",
                             limits: HTTPLimits = HTTPLimits(),
                             accessLog: AccessLog = AccessLog(enabled: false), bus: EventBus? = nil) async throws -> TestHTTPHost {
        let loop = EventLoop(name: loopName)
        let recorder = bus.map { RequestRecorder(bus: $0, loop: loop) }
        let server = HTTPServer(loop: loop, limits: limits, accessLog: accessLog, requestRecorder: recorder)
        do {
            let port = try await server.listen(host: "127.0.0.1", port: 0, dispatcher: dispatcher)
            return TestHTTPHost(loop: loop, server: server, port: port)
        } catch {
            loop.stop()
            throw error
        }
    }

    /// Shuts the server down (it drains its connections within the shutdown grace), then stops
    /// the loop.
    public func shutdown() async {
        await server.shutdown()
        loop.stop()
    }
}
