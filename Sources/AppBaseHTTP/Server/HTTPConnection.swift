import AppBaseCore
import CHTTPParser
import CLibUV
import DequeModule

/// One client connection: parses requests, runs one handler at a time, writes responses in
/// order, enforces the limits and timeouts, and frees everything on close.
///
/// Its life is one value, `state` (see `ConnectionState`); everything else stored here is
/// either fixed for the connection's life, parser scratch, or the write queue's bookkeeping.
///
/// Confined to the loop thread. Pipelined requests are answered in order because the parser
/// is paused after each complete request until its response has been written; the unparsed
/// bytes wait in `pending` (bounded: the socket is not read while paused).
final class HTTPConnection: ByteStreamDelegate {
    let server: ServerState
    /// Replaced once at most: a `TLSTransport` that finds plain HTTP hands over its TCP transport.
    private(set) var transport: any ByteStreamTransport
    /// True when the requests arrive over TLS (set by `TLSTransport` at the first byte).
    var isSecure = false
    let dispatcher: any HTTPDispatcher
    let localPort: Int
    let parser = UnsafeMutablePointer<http_parser>.allocate(capacity: 1)

    /// Where the connection is in its life; changed only by the transitions `ConnectionState` lists.
    var state: ConnectionState

    /// The head being parsed (parser scratch, its buffers reused across requests).
    var head = RequestHeadBuilder()
    /// Checks the head's raw bytes for framing http_parser lets through (bare LF, obs-fold, NUL).
    var headScanner = HeadFramingScanner()
    /// Bytes received while the parser was paused, parsed when it resumes.
    var pending: [UInt8] = []
    /// When bytes last moved in either direction (loop ms), for the stall deadlines.
    var lastProgressAt: Int64

    /// What to do when each write in flight completes, oldest first (one entry per `writeRaw`).
    var writeFollowUps = Deque<WriteFollowUp>()
    /// Streamed-body producers waiting for the write queue to drain.
    var drainWaiters: [CheckedContinuation<Void, any Error>] = []

    /// The slots this connection counts against (nil for a refused one, or once given back).
    var admissionKey: ConnectionAdmission.Key?
    /// Its place in the server's idle list.
    var idleLinks = IdleLinks()
    /// Refused at a cap: it only writes its 503 and closes (on a TLS port, once its first bytes
    /// say whether the 503 goes inside TLS).
    var isRefusal = false

    init(server: ServerState, transport: any ByteStreamTransport, dispatcher: any HTTPDispatcher, localPort: Int) {
        self.server = server
        self.transport = transport
        self.dispatcher = dispatcher
        self.localPort = localPort
        let now = server.nowMillis()
        state = .idle(since: now)
        lastProgressAt = now
        http_parser_init(parser, HTTP_REQUEST)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        transport.delegate = self
    }

    deinit { parser.deallocate() }

    func start() { transport.startReading() }

    /// Plain HTTP on a TLS-enabled port: read and write the TCP transport directly from now on
    /// (called by `TLSTransport`, which sets the TCP transport's delegate to this connection).
    func adoptPlainTransport(_ plain: TCPTransport) {
        transport = plain
    }

    /// Bytes written or queued and not yet reported: the measure of write backpressure.
    var pendingWriteBytes: Int { transport.queuedBytes }

    /// True while http_parser is paused (after a complete request, or for body backpressure).
    var parserPaused: Bool { http_errno(rawValue: parser.pointee.http_errno) == HPE_PAUSED }

    // MARK: ByteStreamDelegate

    func transportDidRead(_ bytes: UnsafeRawBufferPointer) {
        if isRefusal {
            // A refused connection answers 503 at its first bytes (on a TLS port, the first
            // plaintext: the handshake is done) and never parses what it reads.
            if case .idle = state { refuseBusy() }
            return
        }
        let now = server.nowMillis()
        switch state {
        case .idle:
            server.idle.remove(self)
            state = .readingHead(since: now)
        case .readingHead, .exchanging:
            break
        case .stoppingSendfile, .closing, .closed:
            return
        }
        lastProgressAt = now
        if parserPaused {
            pending.append(contentsOf: bytes)
            pauseReading()
            return
        }
        parse(bytes)
    }

    /// The peer sent FIN. A complete request still gets its answer on the open write side
    /// (HTTP/1.0 clients and scripts half-close after sending), and so do the complete requests
    /// pipelined behind it (`responseFinished` closes once none is left); anything else is
    /// abandoned. An open-ended stream (SSE) ends too: hanging up is the only way an HTTP/1.1
    /// client has to unsubscribe, and waiting for a heartbeat write to fail would hold its slot.
    func transportDidReachEnd() {
        switch state {
        case .exchanging(let exchange) where exchange.requestComplete && !exchange.isOpenEndedStream:
            // Answer it (and what is pipelined behind it), then close: the transport remembers
            // that no more will arrive, and `responseFinished` reads that.
            break
        case .idle, .readingHead, .exchanging:
            close(reason: "peer closed")
        case .stoppingSendfile, .closing, .closed:
            break
        }
    }

    /// A read error (reset): the peer is gone.
    func transportDidFail() {
        close(reason: "peer reset")
    }

    // MARK: Flow control

    func pauseReading() {
        transport.stopReading()
    }

    func resumeReading() {
        guard state.isOpen else { return }
        transport.startReading()  // a no-op once the peer finished sending
    }

    /// The handler wants more body (or read for the first time): send `100 Continue` if the
    /// client asked for it, then resume parsing what is buffered and reading the socket.
    func bodyDemanded() {
        guard case .exchanging(let exchange) = state,
              case .receiving(let body, let limit, let received, let interim) = exchange.inbound else { return }
        // Never after the final response's head: 100 would land inside its body.
        if case .owed = interim, exchange.isUnanswered {
            exchange.inbound = .receiving(body, limit: limit, received: received, interim: .sent)
            writeRaw(StatusLine.continueInterim)
        }
        resumeParsing()
    }

    /// Unpauses the parser, parses what waited in `pending`, and reads the socket again unless
    /// the parser paused once more.
    func resumeParsing() {
        if parserPaused {
            http_parser_pause(parser, 0)
            let buffered = pending
            pending = []
            buffered.withUnsafeBytes { parse($0) }
        }
        if !parserPaused { resumeReading() }
    }

    // MARK: Closing

    /// Closes the connection, cancels its handler and fails its body; idempotent.
    /// A graceful close lets queued writes reach the client first; otherwise they are dropped.
    func close(reason: String, graceful: Bool = false) {
        guard state.isOpen else { return }
        server.idle.remove(self)
        var sendfile: SendfileJob?
        if case .exchanging(let exchange) = state {
            switch exchange.outbound {
            case .unanswered(let task?), .streaming(let task?, _):
                task.cancel()
            case .sendingFile(let job?):
                sendfile = job
            case .unanswered, .deferred, .writing, .streaming, .sendingFile:
                break
            }
            if case .receiving(let body, _, _, _) = exchange.inbound {
                body.fail(AppBaseError(status: 400, code: .badRequest, message: "Client disconnected."))
            }
        }
        pending = []
        // Reports of writes still in flight no longer arrive (the transport detaches): release
        // what their follow-ups hold (a file to send) now.
        writeFollowUps.removeAll()
        let waiters = drainWaiters
        drainWaiters = []
        waiters.forEach { $0.resume(throwing: ConnectionClosedError()) }
        if let sendfile {
            // The worker still writes to the socket: closing it now could let the descriptor be
            // reused by the next accept. Close once the job's completion has run.
            state = .stoppingSendfile(sendfile)
            sendfile.cancel()
            return
        }
        releaseTransport(graceful: graceful)
    }

    /// Closes the transport and tells the server once it is released; called once, after any
    /// sendfile job ended.
    func releaseTransport(graceful: Bool) {
        state = .closing
        let server = self.server
        transport.close(graceful: graceful) { [self] in
            state = .closed
            server.connectionClosed(self)
        }
    }

    // MARK: Writing

    /// Writes bytes as they are (head, chunk framing); `followUp` runs once they are written.
    /// Returns false when the connection is closed or the write failed at once.
    @discardableResult
    func writeRaw(_ bytes: [UInt8], then followUp: WriteFollowUp = .nothing) -> Bool {
        bytes.withUnsafeBytes { writeRaw($0, then: followUp) }
    }

    /// `writeRaw` of bytes the transport copies or writes before returning.
    @discardableResult
    func writeRaw(_ bytes: UnsafeRawBufferPointer, then followUp: WriteFollowUp = .nothing) -> Bool {
        guard case .exchanging(let exchange) = state else { return false }
        exchange.bytesSent += bytes.count
        writeFollowUps.append(followUp)
        return transport.write(bytes)
    }

    func transportDidWrite(succeeded: Bool) {
        let followUp = writeFollowUps.popFirst() ?? .nothing
        lastProgressAt = server.nowMillis()
        guard succeeded else {
            close(reason: "write failed")
            return
        }
        resumeDrainWaitersIfBelowLimit()
        switch followUp {
        case .nothing:
            break
        case .finishResponse:
            responseFinished()
        case .sendFile(let file):
            guard case .exchanging(let exchange) = state else { return }
            if exchange.headOnly || file.length == 0 { responseFinished() } else { startSendfile(file, for: exchange) }
        case .nextFileChunk(let job):
            job.chunkWritten()
        }
    }

    func resumeDrainWaitersIfBelowLimit() {
        guard !drainWaiters.isEmpty, transport.queuedBytes <= server.limits.writeBufferBytes / 2 else { return }
        let waiters = drainWaiters
        drainWaiters = []
        waiters.forEach { $0.resume() }
    }

    /// Resumes `continuation` once the write queue is below half its limit (or the connection closed).
    func whenDrained(_ continuation: CheckedContinuation<Void, any Error>) {
        if !state.isOpen {
            continuation.resume(throwing: ConnectionClosedError())
        } else if transport.queuedBytes <= server.limits.writeBufferBytes / 2 {
            continuation.resume()
        } else {
            drainWaiters.append(continuation)
        }
    }

    // MARK: Deadlines

    /// Closes the connection when a deadline has passed; called by the server's sweeper.
    func checkDeadlines(now: Int64) {
        let limits = server.limits
        switch state {
        case .idle(let since):
            // A refused connection waits only for its first bytes, no longer than a head may take.
            if now - since > (isRefusal ? limits.headerTimeoutMillis : limits.idleTimeoutMillis) {
                close(reason: isRefusal ? "refused, then silent" : "idle timeout")
            } else {
                transport.releaseIdleMemory()
            }
        case .readingHead(let since):
            if now - since > limits.headerTimeoutMillis { close(reason: "header timeout") }
        case .exchanging(let exchange):
            let readingBody = exchange.receivingBody != nil && transport.isReading && !parserPaused
            if readingBody && now - lastProgressAt > limits.bodyStallTimeoutMillis {
                close(reason: "body stall")
            } else if transport.queuedBytes > 0 && now - lastProgressAt > limits.writeStallTimeoutMillis {
                close(reason: "write stall")
            } else if let stream = exchange.fileStream, !stream.keepsPace(now: now) {
                close(reason: "download slower than the minimum rate")
            } else if !exchange.requestComplete && exchange.request != nil {
                checkBodyPace(of: exchange, now: now, reading: readingBody)
            }
        case .stoppingSendfile, .closing, .closed:
            break
        }
    }
}

/// What the connection does once a write has reached the kernel.
enum WriteFollowUp {
    case nothing
    /// The response's last bytes: log it and move on to the next request.
    case finishResponse
    /// The head of a file response: start sending the file.
    case sendFile(FileBody)
    /// A chunk of a file streamed through the transport (TLS): the next one may be written.
    case nextFileChunk(FileStreamJob)
}
