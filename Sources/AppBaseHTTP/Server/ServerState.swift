import AppBaseCore
import CLibUV
import Logging

/// The server's loop-confined state: listeners, open connections and the slots they hold
/// (admission caps, the idle list, download slots), the deadline sweeper and the cached `Date`
/// field. Created and used only on the loop thread.
final class ServerState {
    let loop: EventLoop
    let limits: HTTPLimits
    let accessLog: AccessLog
    let logger: Logger
    /// Request summaries for the bus (metrics); nil when nothing subscribes.
    let requestRecorder: RequestRecorder?
    private(set) var listeners: [Int: Listener] = [:]
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]
    /// Connection slots by address, port and in total.
    private(set) var admission: ConnectionAdmission
    /// Idle keep-alive connections, oldest first: reaped first under pressure.
    var idle = IdleConnectionList()
    /// Download slots, in total and per app.
    let downloads: DownloadSlots
    /// Requests in flight per app (drained before an app's database closes).
    let inFlight = InFlightRequests()
    private var refusals: RefusalLog
    /// Refused connections still writing their 503; beyond a bound, refusals close at once.
    private var refusalsInFlight = 0
    private static let maxRefusalsInFlight = 256
    private(set) var draining = false
    private var sweepTimer: UnsafeMutablePointer<uv_timer_t>?
    private var drainedWaiters: [CheckedContinuation<Void, Never>] = []
    private var cachedDate: [UInt8] = []
    private var cachedDateSecond: Int64 = -1
    /// Set when the listeners also speak TLS: each accepted socket is then wrapped in a
    /// `TLSTransport` that tells TLS from plain HTTP by the first byte.
    var tls: (any TLSSessionFactory)?

    init(loop: EventLoop, limits: HTTPLimits, accessLog: AccessLog, logger: Logger, requestRecorder: RequestRecorder? = nil) {
        self.loop = loop
        self.limits = limits
        self.accessLog = accessLog
        self.logger = logger
        self.requestRecorder = requestRecorder
        admission = ConnectionAdmission(limits: limits)
        downloads = DownloadSlots(limits: limits)
        refusals = RefusalLog(intervalMillis: limits.refusalLogIntervalMillis)
    }

    var connectionCount: Int { connections.count }
    /// Open connections whose peer has finished sending (half-closed; for tests).
    var halfClosedCount: Int { connections.values.count { $0.transport.peerFinishedSending } }

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
        admission.portOpened(listener.port)
        startSweeperIfNeeded()
    }

    func removeListener(port: Int) {
        listeners.removeValue(forKey: port)?.close()
        admission.portClosed(port)
    }

    /// Accepts a connection within the caps — reaping the oldest idle connection of a full
    /// scope to make room — or refuses it with 503.
    func accept(_ transport: TCPTransport, dispatcher: any HTTPDispatcher, port: Int) {
        transport.writeStallMillis = UInt64(limits.writeStallTimeoutMillis)
        let wrapped: any ByteStreamTransport = tls.map {
            TLSTransport(tcp: transport, loop: loop, factory: $0, handshakeTimeoutMillis: limits.headerTimeoutMillis)
        } ?? transport
        let connection = HTTPConnection(server: self, transport: wrapped, dispatcher: dispatcher, localPort: port)
        connections[ObjectIdentifier(connection)] = connection
        if draining {
            refuse(connection, cap: "shutdown")
            return
        }
        let key = ConnectionAdmission.Key(address: transport.peerAddress, port: port)
        if case .full(let scope) = admission.verdict(for: key) {
            guard let victim = idleVictim(in: scope) else {
                refuse(connection, cap: scope.capName)
                return
            }
            releaseSlot(of: victim)
            victim.close(reason: "reaped to make room (\(scope.capName) cap)")
            guard case .admit = admission.verdict(for: key) else {
                refuse(connection, cap: scope.capName)
                return
            }
        }
        admission.add(key)
        connection.admissionKey = key
        idle.append(connection)
        connection.start()
    }

    /// The oldest idle connection whose closing makes room in `scope`.
    private func idleVictim(in scope: ConnectionAdmission.Scope) -> HTTPConnection? {
        idle.first { candidate in
            guard let key = candidate.admissionKey else { return false }
            switch scope {
            case .addressOnPort(let full): return key == full
            case .address(let address): return key.address == address
            case .server(let port): return admission.reapingOn(key.port, makesRoomFor: port)
            }
        }
    }

    /// Answers 503 and closes, counting the refusal for the periodic summary. Refusals beyond a
    /// bound close without an answer: a flood must not hold descriptors writing 503s.
    ///
    /// On a port that also speaks TLS the answer waits for the client's first bytes (at most the
    /// header timeout): a 503 in plain HTTP is garbage to a TLS client, so a TLS client gets its
    /// handshake and the 503 inside it, a plain one the 503 as before (ADR 0041). The handshake
    /// costs what an admitted connection's does, and the same bound limits how many run.
    private func refuse(_ connection: HTTPConnection, cap: String) {
        refusals.record(address: connection.transport.peerAddress, cap: cap, now: nowMillis())
        connection.isRefusal = true
        refusalsInFlight += 1
        if refusalsInFlight > Self.maxRefusalsInFlight {
            connection.close(reason: "refused at the \(cap) cap")
        } else if tls != nil {
            connection.start()  // `transportDidRead` answers at the first bytes
        } else {
            connection.refuseBusy()
        }
    }

    /// Gives back the slots `connection` counts against (once).
    private func releaseSlot(of connection: HTTPConnection) {
        guard let key = connection.admissionKey else { return }
        admission.remove(key)
        connection.admissionKey = nil
    }

    func connectionClosed(_ connection: HTTPConnection) {
        releaseSlot(of: connection)
        idle.remove(connection)
        if connection.isRefusal { refusalsInFlight -= 1 }
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

    /// Closes `port`'s idle connections now and lets its busy ones close after their answer (an
    /// app being stopped: its listener is gone, its keep-alive clients must not send more).
    func drainConnections(onPort port: Int) {
        for connection in Array(connections.values) where connection.localPort == port { connection.drain() }
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
        if let summary = refusals.summary(now: now) { logger.warning("\(summary)") }
    }
}

extension HTTPConnection {
    /// Answers 503 `server_busy` and closes (connection cap reached, or shutting down).
    func refuseBusy() {
        state = .exchanging(Exchange(request: nil, keepAlive: false, inbound: .discarding, startedAt: server.nowMillis()))
        respondWithError(.serverBusy(retryAfterSeconds: 1, "Too many open connections; retry later."))
    }

    /// TLS finished its handshake: a refused connection answers now, inside TLS.
    func secureChannelReady() {
        if isRefusal, case .idle = state { refuseBusy() }
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
