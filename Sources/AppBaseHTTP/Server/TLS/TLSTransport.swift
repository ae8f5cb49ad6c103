import CLibUV
import DequeModule

/// TLS and plain HTTP on one port, under the connection (ADR 0031, 0041).
///
/// Wraps an accepted `TCPTransport` and waits for the first bytes: `0x16` opens every TLS
/// handshake record and starts no HTTP method, so anything else is plain HTTP — the TCP
/// transport is handed to the connection directly (`HTTPConnection.adoptPlainTransport`) and
/// this object steps out of the way, so a plain request pays nothing for TLS being on. A TLS
/// connection keeps this object between the socket and the parser: ciphertext read from the
/// socket is decrypted where libuv put it, plaintext goes to the connection as if read from the
/// socket, and every `write` is encrypted and written as one socket write, so reads, writes,
/// their reports and therefore backpressure, pipelining and every deadline behave as in plain
/// HTTP.
///
/// Ownership: as `TCPTransport` — the connection owns this transport, which owns the TCP one
/// and the session; the TCP transport's delegate is this object (unretained) until a plain
/// hand-off, and the session's sink is this object (unretained).
final class TLSTransport: ByteStreamTransport, ByteStreamDelegate, LoopDeferredTarget, TLSCiphertextSink {
    private let tcp: TCPTransport
    private let loop: EventLoop
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
    /// A socket write failed at once: the peer is gone (its report closes the connection).
    private var socketWriteFailed = false
    private var handshakeTimer: UnsafeMutablePointer<uv_timer_t>?

    init(tcp: TCPTransport, loop: EventLoop, factory: any TLSSessionFactory, handshakeTimeoutMillis: Int64) {
        self.tcp = tcp
        self.loop = loop
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

    /// An idle connection gives back the session's record buffers (about 35 KiB); the next
    /// request takes them again.
    func releaseIdleMemory() { session?.releaseBuffers() }

    // MARK: Reading

    func transportDidRead(_ bytes: UnsafeRawBufferPointer) {
        guard !failed else { return }
        if session == nil {
            guard bytes.first == 0x16 else {
                handOffPlain(bytes)
                return
            }
            guard let made = factory.makeServerSession(sink: self) else {
                fail()
                return
            }
            session = made
            (delegate as? HTTPConnection)?.isSecure = true
            startHandshakeTimer()
        }
        guard let session else { return }
        decrypt(bytes, with: session)
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

    /// Decrypts `ciphertext` (in the loop's read buffer) into the loop's TLS plaintext buffer and
    /// hands each run of plaintext on; what the session produced meanwhile (handshake messages,
    /// tickets, alerts) is written before the plaintext is delivered and at the end.
    private func decrypt(_ ciphertext: UnsafeRawBufferPointer, with session: any TLSServerSession) {
        let plaintext = loop.local.tlsPlaintextBuffer()
        let outcome = session.decrypt(ciphertext, into: plaintext) { count in
            flushOutput(reportUpward: false)
            handshakeFinished()
            delegate?.transportDidRead(UnsafeRawBufferPointer(rebasing: plaintext[..<count]))
            return !closed
        }
        flushOutput(reportUpward: false)
        switch outcome {
        case .needMore:
            if handshakeTimer != nil, session.isHandshakeComplete { handshakeFinished() }
        case .stopped:
            break
        case .closed:
            closeNotifyReceived = true
            tcp.stopReading()
            delegate?.transportDidReachEnd()
        case .failed:
            fail()
        }
    }

    /// The handshake is over (reported once): its deadline ends, and a refused connection may
    /// answer now instead of waiting for a request.
    private func handshakeFinished() {
        guard handshakeTimer != nil else { return }
        stopHandshakeTimer()
        (delegate as? HTTPConnection)?.secureChannelReady()
    }

    private func fail() {
        failed = true
        stopHandshakeTimer()
        delegate?.transportDidFail()
    }

    func transportDidReachEnd() { delegate?.transportDidReachEnd() }
    func transportDidFail() { delegate?.transportDidFail() }

    // MARK: Writing

    /// Records the session produced: gathered until the operation ends (`flushOutput`).
    func sessionProduced(_ ciphertext: UnsafeRawBufferPointer) {
        loop.local.tlsOutput.append(ciphertext)
    }

    /// Encrypts `bytes` and writes the records as one socket write, whose report is this call's.
    @discardableResult
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let session else {
            // No session before the first bytes: nothing writes then today; plain, straight through.
            reportsUpward.append(true)
            return tcp.write(bytes)
        }
        guard !closed else { return false }
        guard !failed, session.encrypt(bytes) else {
            failed = true
            loop.local.tlsOutput.removeAll()
            loop.deferInTurn(self, succeeded: false)
            return false
        }
        flushOutput(reportUpward: true)
        return !socketWriteFailed
    }

    /// Writes what the session produced as one socket write. With `reportUpward` that write's
    /// report answers the caller's `write` (or, if nothing was produced, a success is deferred).
    private func flushOutput(reportUpward: Bool) {
        let output = loop.local.tlsOutput
        if output.isEmpty {
            if reportUpward { loop.deferInTurn(self, succeeded: true) }
            return
        }
        reportsUpward.append(reportUpward)
        if !tcp.write(output.bytes) { socketWriteFailed = true }
        output.removeAll()
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
            flushOutput(reportUpward: false)
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
