import CLibUV
import DequeModule

/// TLS and plain HTTP on one port, under the connection (ADR 0031).
///
/// Wraps an accepted `TCPTransport` and waits for the first bytes: `0x16` opens every TLS
/// handshake record and starts no HTTP method, so anything else is plain HTTP — the TCP
/// transport is handed to the connection directly (`HTTPConnection.adoptPlainTransport`) and
/// this object steps out of the way, so a plain request pays nothing for TLS being on. A TLS
/// connection keeps this object between the socket and the parser: ciphertext read from the
/// socket is fed to the session, plaintext goes to the connection as if read from the socket,
/// and every `write` is encrypted and written as one socket write, so reads, writes, their
/// reports and therefore backpressure, pipelining and every deadline behave as in plain HTTP.
///
/// Ownership: as `TCPTransport` — the connection owns this transport, which owns the TCP one;
/// the TCP transport's delegate is this object (unretained) until a plain hand-off.
final class TLSTransport: ByteStreamTransport, ByteStreamDelegate, LoopDeferredTarget {
    private let tcp: TCPTransport
    private let factory: any TLSSessionFactory
    private let handshakeTimeoutMillis: UInt64
    private var session: (any TLSServerSession)?
    /// `unowned(unsafe)` for the same reason as `TCPTransport.delegate`.
    unowned(unsafe) var delegate: (any ByteStreamDelegate)?
    /// One entry per socket write in flight: true when its report answers one of our `write`s,
    /// false for the session's own output (handshake messages, tickets, alerts).
    private var reportsUpward = Deque<Bool>()
    private var closeNotifyReceived = false
    private var failed = false
    private var closed = false
    private var handshakeTimer: UnsafeMutablePointer<uv_timer_t>?

    init(tcp: TCPTransport, factory: any TLSSessionFactory, handshakeTimeoutMillis: Int64) {
        self.tcp = tcp
        self.factory = factory
        self.handshakeTimeoutMillis = UInt64(max(1, handshakeTimeoutMillis))
        tcp.delegate = self
    }

    var isSecure: Bool { session != nil }
    var isReading: Bool { tcp.isReading }
    var peerFinishedSending: Bool { tcp.peerFinishedSending || closeNotifyReceived }
    var queuedBytes: Int { tcp.queuedBytes }
    var peerAddress: String { tcp.peerAddress }
    /// No `sendfile` under TLS: file bodies go through the cipher (`FileStreamJob`).
    var rawDescriptor: Int32? { session == nil ? tcp.rawDescriptor : nil }

    func startReading() {
        guard !closeNotifyReceived else { return }
        tcp.startReading()
    }

    func stopReading() { tcp.stopReading() }
    func abortLinger() { tcp.abortLinger() }

    // MARK: Reading

    func transportDidRead(_ bytes: UnsafeRawBufferPointer) {
        guard !failed else { return }
        if session == nil {
            guard bytes.first == 0x16 else {
                handOffPlain(bytes)
                return
            }
            guard let made = factory.makeServerSession() else {
                fail()
                return
            }
            session = made
            (delegate as? HTTPConnection)?.isSecure = true
            startHandshakeTimer()
        }
        guard let session, session.receiveCiphertext(bytes) else {
            fail()
            return
        }
        decryptAvailable(session)
    }

    /// Plain HTTP: the connection reads the TCP transport itself from now on.
    private func handOffPlain(_ bytes: UnsafeRawBufferPointer) {
        guard let connection = delegate as? HTTPConnection else { return }
        // The connection drops its reference to this object below; keep it alive until we return.
        withExtendedLifetime(self) {
            tcp.delegate = connection
            connection.adoptPlainTransport(tcp)
            connection.transportDidRead(bytes)
        }
    }

    /// Decrypts every complete record into the loop's read buffer (the ciphertext it held is
    /// already inside the session) and hands the plaintext on, then sends what the session
    /// produced (handshake messages, tickets, alerts).
    private func decryptAvailable(_ session: any TLSServerSession) {
        guard let loop = EventLoop.from(tcp.handle.pointee.loop) else { return }
        let buffer = UnsafeMutableRawBufferPointer(start: loop.local.sharedReadBuffer(), count: LoopLocalState.readBufferCapacity)
        // Bounded: each round consumes ciphertext already received, at most one read's worth.
        while !closed {
            switch session.readPlaintext(into: buffer) {
            case .bytes(let count):
                stopHandshakeTimer()
                _ = flushSessionOutput(reportUpward: false)
                delegate?.transportDidRead(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            case .needMore:
                if session.isHandshakeComplete { stopHandshakeTimer() }
                _ = flushSessionOutput(reportUpward: false)
                return
            case .closed:
                _ = flushSessionOutput(reportUpward: false)
                closeNotifyReceived = true
                tcp.stopReading()
                delegate?.transportDidReachEnd()
                return
            case .failed:
                _ = flushSessionOutput(reportUpward: false)
                fail()
                return
            }
        }
    }

    private func fail() {
        failed = true
        stopHandshakeTimer()
        delegate?.transportDidFail()
    }

    func transportDidReachEnd() { delegate?.transportDidReachEnd() }
    func transportDidFail() { delegate?.transportDidFail() }

    // MARK: Writing

    /// Encrypts `bytes` and writes the records as one socket write, whose report is this call's.
    @discardableResult
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let session else {
            // Before the first byte (a refusal's 503): plain, straight through.
            reportsUpward.append(true)
            return tcp.write(bytes)
        }
        guard !closed else { return false }
        guard !failed, session.encrypt(bytes) else {
            failed = true
            EventLoop.from(tcp.handle.pointee.loop)?.deferInTurn(self, succeeded: false)
            return false
        }
        return flushSessionOutput(reportUpward: true)
    }

    /// Writes the session's pending ciphertext. With `reportUpward`, the last socket write's
    /// report answers the caller's `write` (or, if nothing was pending, a success is deferred).
    private func flushSessionOutput(reportUpward: Bool) -> Bool {
        guard let session else { return true }
        var succeeded = true
        var wrote = false
        if session.hasCiphertext, let loop = EventLoop.from(tcp.handle.pointee.loop) {
            let scratch = UnsafeMutableRawBufferPointer(start: loop.local.tlsScratchBuffer(), count: LoopLocalState.readBufferCapacity)
            session.drainCiphertext(using: scratch) { piece in
                reportsUpward.append(false)
                wrote = true
                if !tcp.write(piece) { succeeded = false }
            }
        }
        if reportUpward {
            if wrote, let last = reportsUpward.indices.last {
                reportsUpward[last] = true
            } else {
                EventLoop.from(tcp.handle.pointee.loop)?.deferInTurn(self, succeeded: true)
            }
        }
        return succeeded
    }

    /// A socket write finished: forwarded when it answers one of our `write`s; a failure of
    /// the session's own output ends the connection too.
    func transportDidWrite(succeeded: Bool) {
        let upward = reportsUpward.popFirst() ?? false
        if upward {
            delegate?.transportDidWrite(succeeded: succeeded)
        } else if !succeeded {
            delegate?.transportDidFail()
        }
    }

    /// A deferred report of ours (an encryption that produced nothing, or failed).
    func runDeferred(succeeded: Bool, bytes: Int) {
        delegate?.transportDidWrite(succeeded: succeeded)
    }

    // MARK: Closing

    /// A graceful close sends `close_notify` first; then the TCP transport closes as usual.
    func close(graceful: Bool, completion: @escaping () -> Void) {
        guard !closed else { return }
        stopHandshakeTimer()
        if graceful, !failed, let session, session.isHandshakeComplete {
            session.shutdown()
            _ = flushSessionOutput(reportUpward: false)
        }
        closed = true
        delegate = nil
        tcp.close(graceful: graceful, completion: completion)
    }

    // MARK: Handshake deadline

    /// A handshake must finish within the header timeout: a client that opens TLS and stalls
    /// would otherwise hold its slot until the idle timeout.
    private func startHandshakeTimer() {
        let timer = UnsafeMutablePointer<uv_timer_t>.allocate(capacity: 1)
        uv_timer_init(tcp.handle.pointee.loop, timer)
        timer.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        handshakeTimer = timer
        uv_timer_start(timer, { timer in
            guard let data = timer?.pointee.data else { return }
            let transport = Unmanaged<TLSTransport>.fromOpaque(data).takeUnretainedValue()
            transport.stopHandshakeTimer()
            transport.fail()
        }, handshakeTimeoutMillis, 0)
    }

    private func stopHandshakeTimer() {
        guard let timer = handshakeTimer else { return }
        handshakeTimer = nil
        uv_timer_stop(timer)
        timer.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { raw in
            uv_close(raw) { $0?.deallocate() }
        }
    }
}
