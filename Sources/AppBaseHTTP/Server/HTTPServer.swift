import AppBaseCore
import CHTTPParser
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP listener: any number of ports on one event loop, each with its dispatcher.
///
/// All connection state lives on the loop thread; this type is the thread-safe front door.
public final class HTTPServer: Sendable {
    /// The loop the server runs on.
    public let loop: EventLoop
    public let limits: HTTPLimits
    private let state: LoopBound<ServerState>

    /// Above the largest `max_header_bytes` the configuration accepts (1 MiB).
    static let parserHeadCeiling = (1 << 20) + 8192

    /// - Parameters:
    ///   - logger: where refusals at the connection caps are summarised.
    ///   - requestRecorder: request summaries for the bus (metrics); nil records nothing.
    public init(loop: EventLoop, limits: HTTPLimits = HTTPLimits(), accessLog: AccessLog = AccessLog(),
                logger: Logger = Logger(label: "appbase.http"), requestRecorder: RequestRecorder? = nil) {
        self.loop = loop
        self.limits = limits
        // libuv writes with write(2) and responses use sendfile(2): neither can pass
        // MSG_NOSIGNAL, so a write to a socket the client has reset would raise SIGPIPE and
        // kill the process. Ignored, the write fails with EPIPE and only that connection closes.
        signal(SIGPIPE, SIG_IGN)
        state = LoopBound(ServerState(loop: loop, limits: limits, accessLog: accessLog, logger: logger,
                                      requestRecorder: requestRecorder), loop: loop)
        // http_parser's own head limit (80 KiB by default) must sit above ours, so ours answers
        // 431/414. It is process-wide: set it once to above the largest limit the config accepts.
        http_parser_set_max_header_size(UInt32(HTTPServer.parserHeadCeiling))
        loop.addTurnHook { accessLog.flush() }
    }

    /// Listens on `host:port` (port 0 picks a free one) and returns the bound port.
    /// - Throws: `ListenError` (e.g. the port is taken by another process).
    public func listen(host: String, port: Int, dispatcher: any HTTPDispatcher) async throws -> Int {
        let state = self.state
        return try await loop.run {
            let listener = try Listener(state: state.value, host: host, port: port, dispatcher: dispatcher)
            state.value.addListener(listener)
            return listener.port
        }
    }

    /// Makes every listener (present and future) accept TLS besides plain HTTP on the same port:
    /// connections whose first byte opens a TLS handshake get a session from `factory`. Nil
    /// turns it off for new connections.
    public func setTLS(_ factory: (any TLSSessionFactory)?) async {
        let state = self.state
        _ = try? await loop.run { state.value.tls = factory }
    }

    /// Stops listening on `port`; open connections carry on.
    public func stopListening(port: Int) async {
        let state = self.state
        _ = try? await loop.run { state.value.removeListener(port: port) }
    }

    /// Lets `app`'s requests in flight finish, for up to `timeout`: closes the idle connections
    /// of `port` (the app's own port, whose listener is already closed) and keeps its busy ones
    /// only until their answer. Called before an app's database closes (stop, delete, restart).
    public func drain(app: String, port: Int?, timeout: Duration) async {
        let state = self.state
        if let port { _ = try? await loop.run { state.value.drainConnections(onPort: port) } }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    state.loop.execute { state.value.inFlight.whenIdle(app, continuation) }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            // The waiter is not cancellable: resume it (a no-op if it already was), or the group
            // would wait for the app's last request after all.
            _ = try? await loop.run { state.value.inFlight.stopWaiting(for: app) }
        }
    }

    /// Requests `app` has in flight right now (tests).
    public func inFlightCount(app: String) async -> Int {
        let state = self.state
        return (try? await loop.run { state.value.inFlight.count(for: app) }) ?? 0
    }

    /// The listener on `port`: the most connections it accepted in one loop turn and how many
    /// turns ended with its budget spent (ADR 0045; for tests). Nil when nothing listens there.
    func acceptBursts(port: Int) async -> (largestTurn: Int, budgetsSpent: Int)? {
        let state = self.state
        return try? await loop.run { () -> (largestTurn: Int, budgetsSpent: Int)? in
            guard let listener = state.value.listeners[port] else { return nil }
            return (listener.largestTurnBurst, listener.budgetsSpent)
        }
    }

    /// Open connections whose peer has half-closed (tests await the server seeing a FIN).
    public func halfClosedCount() async -> Int {
        let state = self.state
        return (try? await loop.run { state.value.halfClosedCount }) ?? 0
    }

    /// Open connections right now.
    public func connectionCount() async -> Int {
        let state = self.state
        return (try? await loop.run { state.value.connectionCount }) ?? 0
    }

    /// Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish
    /// for up to the grace period, then close whatever is left (streams included).
    public func shutdown() async {
        let state = self.state
        _ = try? await loop.run { state.value.beginDraining() }
        let grace = limits.shutdownGraceMillis
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    state.loop.execute { state.value.whenDrained(continuation) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(grace))
            }
            await group.next()
            group.cancelAll()
            // Close what is left while still in the group: the group only returns once the
            // drained-waiter task has resumed, which needs every connection closed.
            _ = try? await loop.run { state.value.closeAll() }
        }
        // Let the close callbacks run before the loop is stopped.
        await withCheckedContinuation { continuation in
            state.loop.execute { state.value.whenDrained(continuation) }
        }
    }
}
