import AppBaseCore
import CLibUV

/// The server's loop-confined state: listeners, open connections, the deadline sweeper and
/// the cached `Date` field. Created and used only on the loop thread.
final class ServerState {
    let loop: EventLoop
    let limits: HTTPLimits
    let accessLog: AccessLog
    /// Request summaries for the bus (metrics); nil when nothing subscribes.
    let requestRecorder: RequestRecorder?
    private(set) var listeners: [Int: Listener] = [:]
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]
    private(set) var draining = false
    private var sweepTimer: UnsafeMutablePointer<uv_timer_t>?
    private var drainedWaiters: [CheckedContinuation<Void, Never>] = []
    private var cachedDate: [UInt8] = []
    private var cachedDateSecond: Int64 = -1

    init(loop: EventLoop, limits: HTTPLimits, accessLog: AccessLog, requestRecorder: RequestRecorder? = nil) {
        self.loop = loop
        self.limits = limits
        self.accessLog = accessLog
        self.requestRecorder = requestRecorder
    }

    var connectionCount: Int { connections.count }

    /// File responses whose sendfile job is queued or running.
    var activeFileResponses = 0

    /// Monotonic milliseconds: libuv's loop time, taken once per loop turn (no clock read per call).
    func nowMillis() -> Int64 { Int64(uv_now(loop.raw.loop)) }

    /// `Date: <IMF-fixdate>\r\n`, formatted once per second.
    func currentDate() -> [UInt8] {
        let now = SystemWallClock().nowSeconds()
        if now != cachedDateSecond {
            cachedDateSecond = now
            cachedDate = Array("Date: \(HTTPDate.format(now))\r\n".utf8)
        }
        return cachedDate
    }

    func addListener(_ listener: Listener) {
        listeners[listener.port] = listener
        startSweeperIfNeeded()
    }

    func removeListener(port: Int) {
        listeners.removeValue(forKey: port)?.close()
    }

    /// Accepts a connection, or refuses it with 503 when at the cap.
    func accept(_ transport: TCPTransport, dispatcher: any HTTPDispatcher, port: Int) {
        transport.writeStallMillis = UInt64(limits.writeStallTimeoutMillis)
        let connection = HTTPConnection(server: self, transport: transport, dispatcher: dispatcher, localPort: port)
        connections[ObjectIdentifier(connection)] = connection
        if connections.count > limits.maxConnections || draining {
            connection.refuseBusy()
            return
        }
        connection.start()
    }

    func connectionClosed(_ connection: HTTPConnection) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
        if draining && connections.isEmpty {
            let waiters = drainedWaiters
            drainedWaiters = []
            waiters.forEach { $0.resume() }
        }
    }

    /// Stops accepting, closes idle connections and lets in-flight requests finish; waiters
    /// resume when the last connection is gone.
    func beginDraining() {
        draining = true
        for listener in listeners.values { listener.close() }
        listeners.removeAll()
        for connection in Array(connections.values) { connection.drain() }
    }

    func whenDrained(_ continuation: CheckedContinuation<Void, Never>) {
        if connections.isEmpty { continuation.resume() } else { drainedWaiters.append(continuation) }
    }

    /// Closes every connection now (end of the grace period).
    func closeAll() {
        for connection in Array(connections.values) {
            if case .closing = connection.state {
                connection.transport.abortLinger()
            } else {
                connection.close(reason: "shutdown")
            }
        }
        if let timer = sweepTimer {
            sweepTimer = nil
            timer.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { handle in
                uv_close(handle) { handle in handle?.deallocate() }
            }
        }
    }

    private func startSweeperIfNeeded() {
        guard sweepTimer == nil else { return }
        let timer = UnsafeMutablePointer<uv_timer_t>.allocate(capacity: 1)
        uv_timer_init(loop.raw.loop, timer)
        timer.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        let interval = limits.sweepIntervalMillis
        uv_timer_start(timer, { timer in
            guard let data = timer?.pointee.data else { return }
            Unmanaged<ServerState>.fromOpaque(data).takeUnretainedValue().sweep()
        }, interval, interval)
        sweepTimer = timer
    }

    private func sweep() {
        let now = nowMillis()
        for connection in Array(connections.values) { connection.checkDeadlines(now: now) }
    }
}

extension HTTPConnection {
    /// Answers 503 `server_busy` and closes (connection cap reached, or shutting down).
    func refuseBusy() {
        state = .exchanging(Exchange(request: nil, keepAlive: false, inbound: .discarding, startedAt: server.nowMillis()))
        respondWithError(.serverBusy(retryAfterSeconds: 1, "Too many open connections; retry later."))
    }

    /// Shutdown: idle connections close now; busy ones close after their response.
    func drain() {
        switch state {
        case .idle:
            close(reason: "shutdown")
        case .exchanging(let exchange):
            exchange.keepAlive = false
        case .readingHead, .stoppingSendfile, .closing, .closed:
            break  // a head being read sees `draining` when it completes
        }
    }
}
