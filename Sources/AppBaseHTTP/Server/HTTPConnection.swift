import AppBaseCore
import CHTTPParser
import CLibUV
import DequeModule

/// One client connection: parses requests, runs one handler at a time, writes responses in
/// order, enforces the limits and timeouts, and frees everything on close.
///
/// Confined to the loop thread. Pipelined requests are answered in order because the parser
/// is paused after each complete request until its response has been written; the unparsed
/// bytes wait in `pending` (bounded: the socket is not read while paused).
final class HTTPConnection: ByteStreamDelegate {
    enum Phase {
        /// Keep-alive, waiting for the first byte of a request.
        case idle
        /// Between the first byte and the end of the head.
        case readingHead
        /// The head is parsed; a handler runs and/or the body is arriving.
        case handling
        /// Closing or closed.
        case closed
    }

    let server: ServerState
    let transport: any ByteStreamTransport
    let dispatcher: any HTTPDispatcher
    let localPort: Int
    let parser = UnsafeMutablePointer<http_parser>.allocate(capacity: 1)
    var phase = Phase.idle

    // The request being read.
    var urlBytes: [UInt8] = []
    var headerFields: [(name: String, value: String)] = []
    var fieldBuffer: [UInt8] = []
    var valueBuffer: [UInt8] = []
    var lastCallbackWasValue = false
    var headBytes = 0
    var headErrorStatus: Int?
    var pending: [UInt8] = []
    var parserPaused = false
    var readingPaused = false

    // The request being handled.
    var request: HTTPRequest?
    var body: RequestBody?
    var bodyLimit = 0
    var bodyReceived: Int64 = 0
    var discardingBody = false
    var messageComplete = false
    var expectsContinue = false
    var continueSent = false
    var keepAlive = true
    var task: Task<Void, Never>?
    var deferredResponse: HTTPResponse?
    var responseInProgress = false
    var streamingChunked = false
    /// Bytes a streamed body still owes its `Content-Length` (nil when chunked or close-delimited).
    var streamBytesRemaining: Int64?
    var headOnly = false
    var bytesSent = 0
    var responseStatus = 0

    // Deadlines (monotonic milliseconds).
    var phaseStartedAt: Int64
    var lastProgressAt: Int64

    /// What to do when each write in flight completes, oldest first (one entry per `writeRaw`).
    var writeFollowUps = Deque<WriteFollowUp>()

    // Write backpressure for streamed bodies.
    var drainWaiters: [CheckedContinuation<Void, any Error>] = []
    var pendingWriteBytes: Int { transport.queuedBytes }
    var sendfileCancel: SendfileJob?

    init(server: ServerState, transport: any ByteStreamTransport, dispatcher: any HTTPDispatcher, localPort: Int) {
        self.server = server
        self.transport = transport
        self.dispatcher = dispatcher
        self.localPort = localPort
        let now = server.nowMillis()
        phaseStartedAt = now
        lastProgressAt = now
        http_parser_init(parser, HTTP_REQUEST)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        transport.delegate = self
    }

    deinit { parser.deallocate() }

    func start() { transport.startReading() }

    // MARK: ByteStreamDelegate

    func transportDidRead(_ bytes: UnsafeRawBufferPointer) {
        guard phase != .closed else { return }
        lastProgressAt = server.nowMillis()
        if phase == .idle {
            phase = .readingHead
            phaseStartedAt = lastProgressAt
        }
        if parserPaused {
            pending.append(contentsOf: bytes)
            pauseReading()
            return
        }
        parse(bytes)
    }

    func transportDidClose() {
        close(reason: "peer closed")
    }

    // MARK: Flow control

    func pauseReading() {
        guard !readingPaused else { return }
        readingPaused = true
        transport.stopReading()
    }

    func resumeReading() {
        guard phase != .closed else { return }
        if readingPaused {
            readingPaused = false
            transport.startReading()
        }
    }

    /// The handler wants more body (or read for the first time): send `100 Continue` if the
    /// client asked for it, then resume parsing what is buffered and reading the socket.
    func bodyDemanded() {
        guard phase == .handling else { return }
        // Never after the final response's head: 100 would land inside its body.
        if expectsContinue && !continueSent && !messageComplete && !responseInProgress {
            continueSent = true
            writeRaw(StatusLine.continueInterim)
        }
        guard !messageComplete else { return }
        if parserPaused {
            parserPaused = false
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
        guard phase != .closed else { return }
        phase = .closed
        task?.cancel()
        task = nil
        body?.fail(AppBaseError(status: 400, code: .badRequest, message: "Client disconnected."))
        body = nil
        request = nil
        deferredResponse = nil
        pending = []
        // Reports of writes still in flight no longer arrive (the transport detaches): release
        // what their follow-ups hold (a file to send) now.
        writeFollowUps.removeAll()
        let waiters = drainWaiters
        drainWaiters = []
        waiters.forEach { $0.resume(throwing: ConnectionClosedError()) }
        if let job = sendfileCancel {
            // The worker still writes to the socket: closing it now could let the descriptor be
            // reused by the next accept. Close once the job's completion has run.
            job.cancel()
            return
        }
        releaseTransport(graceful: graceful)
    }

    /// Closes the transport and tells the server; called once, after any sendfile job ended.
    func releaseTransport(graceful: Bool) {
        let server = self.server
        transport.close(graceful: graceful) { [self] in server.connectionClosed(self) }
    }

    /// Writes bytes as they are (head, chunk framing); `followUp` runs once they are written.
    /// Returns false when the connection is closed or the write failed at once.
    @discardableResult
    func writeRaw(_ bytes: [UInt8], then followUp: WriteFollowUp = .nothing) -> Bool {
        guard phase != .closed else { return false }
        bytesSent += bytes.count
        writeFollowUps.append(followUp)
        return bytes.withUnsafeBytes { transport.write($0) }
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
            if headOnly || file.length == 0 { responseFinished() } else { startSendfile(file) }
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
        if phase == .closed {
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
        switch phase {
        case .idle:
            if now - phaseStartedAt > limits.idleTimeoutMillis { close(reason: "idle timeout") }
        case .readingHead:
            if now - phaseStartedAt > limits.headerTimeoutMillis { close(reason: "header timeout") }
        case .handling:
            let readingBody = !messageComplete && !readingPaused && !parserPaused && body != nil
            if readingBody && now - lastProgressAt > limits.bodyStallTimeoutMillis {
                close(reason: "body stall")
            } else if transport.queuedBytes > 0 && now - lastProgressAt > limits.writeStallTimeoutMillis {
                close(reason: "write stall")
            }
        case .closed:
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
}
