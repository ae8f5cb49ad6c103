import AppBaseCore
import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on the loop. Owns its `uv_tcp_t` until the close callback.
///
/// Accepts at most `maxAcceptsPerTurn` connections per loop turn (and the one held back, at the
/// turn's end). libuv up to 1.44 (Debian 12's) accepts in its listener callback until the
/// kernel's queue is empty, so a burst of thousands of connections (a flood on one app's port)
/// would be set up — and, past a connection cap, refused — in one turn while every other
/// connection of every app waited. Past the budget the listener leaves the next connection with
/// libuv, which stops watching the socket until it is taken; the listener takes it at the end
/// of the turn (a deferred callback), which watches the socket again, so the next turn polls the
/// waiting connections' I/O beside the next share of the backlog (ADR 0045). libuv 1.45 and
/// later accept one connection per poll event themselves; the budget then never runs out.
final class Listener: LoopDeferredTarget {
    let port: Int
    private let backlog: Int32
    private let handle: UnsafeMutablePointer<uv_tcp_t>
    private unowned let state: ServerState
    private let dispatcher: any HTTPDispatcher
    private var closed = false
    /// The loop turn the accept count belongs to, and the count.
    private var acceptTurn: UInt64 = .max
    private var acceptedThisTurn = 0
    /// A connection waits with libuv and its taking is deferred to the end of the turn.
    private var waitingForTurnEnd = false

    /// Connections accepted per loop turn at most (ADR 0045).
    static let maxAcceptsPerTurn = 32

    /// The most connections accepted in one turn so far, and how many times a turn's budget ran
    /// out with connections still waiting (for tests).
    private(set) var largestTurnBurst = 0
    private(set) var budgetsSpent = 0

    /// Binds and listens. - Throws: `ListenError` naming the address and the system's reason.
    init(state: ServerState, host: String, port: Int, backlog: Int32 = 1024, dispatcher: any HTTPDispatcher) throws(ListenError) {
        self.state = state
        self.dispatcher = dispatcher
        self.backlog = backlog
        let handle = UnsafeMutablePointer<uv_tcp_t>.allocate(capacity: 1)
        self.handle = handle
        uv_tcp_init(state.loop.raw.loop, handle)
        var storage = sockaddr_storage()
        let parsed = withUnsafeMutablePointer(to: &storage) { pointer -> Int32 in
            if host.contains(":") {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_addr(host, Int32(port), $0) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_addr(host, Int32(port), $0) }
        }
        var result = parsed
        if result == 0 {
            result = withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(handle, $0, 0) }
            }
        }
        if result == 0 {
            result = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { uv_listen($0, backlog, Self.onConnection) }
        }
        guard result == 0 else {
            let reason = String(cString: uv_strerror(result))
            handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { raw in
                uv_close(raw) { $0?.deallocate() }
            }
            throw ListenError(host: host, port: port, reason: reason, addressInUse: result == UV_EADDRINUSE.rawValue)
        }
        var boundPort = port
        var bound = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &bound) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getsockname(handle, $0, &length) }
        }
        if named == 0 {
            boundPort = withUnsafePointer(to: &bound) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        }
        self.port = boundPort
        handle.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// libuv's connection callback: the listener is the handle's `data`.
    private static let onConnection: uv_connection_cb = { server, status in
        guard status == 0, let server, let data = server.pointee.data else { return }
        Unmanaged<Listener>.fromOpaque(data).takeUnretainedValue().connectionWaiting()
    }

    /// libuv has a connection for us: take it, unless this turn's budget is spent.
    private func connectionWaiting() {
        let turn = state.loop.local.turn
        if turn != acceptTurn {
            acceptTurn = turn
            acceptedThisTurn = 0
        }
        guard acceptedThisTurn < Self.maxAcceptsPerTurn else {
            // Not calling uv_accept leaves the connection with libuv and pauses the listener.
            if !waitingForTurnEnd {
                waitingForTurnEnd = true
                budgetsSpent += 1
                state.loop.deferInTurn(self, succeeded: true)
            }
            return
        }
        acceptedThisTurn += 1
        largestTurnBurst = max(largestTurnBurst, acceptedThisTurn)
        _ = acceptOne()
    }

    /// At the end of the turn whose budget was spent: takes the connection libuv holds, which
    /// also has libuv watch the listening socket again. Nothing to take once closed (closing the
    /// handle closed the held connection) or while the loop stops (its handles are being closed).
    /// Released libuv re-arms the socket only when `uv_accept` succeeds; after a failure the
    /// listener listens again, which re-arms it, so it never stays deaf.
    func runDeferred(succeeded: Bool, bytes: Int) {
        waitingForTurnEnd = false
        guard !closed, !state.loop.local.stopping else { return }
        if !acceptOne() {
            _ = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { uv_listen($0, backlog, Self.onConnection) }
        }
    }

    /// Takes the connection libuv holds; false when `uv_accept` failed (the connection is gone).
    private func acceptOne() -> Bool {
        let client = UnsafeMutablePointer<uv_tcp_t>.allocate(capacity: 1)
        uv_tcp_init(state.loop.raw.loop, client)
        let result = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { server in
            client.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { uv_accept(server, $0) }
        }
        guard result == 0 else {
            client.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { raw in uv_close(raw) { $0?.deallocate() } }
            return false
        }
        state.accept(TCPTransport(acceptedHandle: client), dispatcher: dispatcher, port: port)
        return true
    }

    /// Stops listening; the handle is freed in its close callback.
    func close() {
        guard !closed else { return }
        closed = true
        handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { raw in
            uv_close(raw) { $0?.deallocate() }
        }
    }
}

/// Binding or listening failed.
public struct ListenError: Error, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let reason: String
    /// True when another process (or app) holds the port.
    public let addressInUse: Bool
    public var description: String { "cannot listen on \(host):\(port): \(reason)" }
}
