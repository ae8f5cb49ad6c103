/// The life of one `HTTPConnection`, as one value: each case carries exactly the data that
/// exists in it, so a combination nobody named (a response in flight while idle, a handler
/// task after close) cannot be written down.
///
/// ```
/// idle ──first byte──▶ readingHead ──head parsed──▶ exchanging ──response written, keep-alive──▶ idle
///   │                       │                           │
///   └───────────────────────┴──── close ────────────────┴──▶ [stoppingSendfile] ──▶ closing ──▶ closed
/// ```
/// Transitions are `HTTPConnection` methods: `transportDidRead` (idle → readingHead),
/// `headersComplete` / `parseFailed` / `refuseBusy` (→ exchanging), `responseFinished`
/// (exchanging → idle or closing), `close` (any → stoppingSendfile or closing) and the
/// transport's close completion (closing → closed).
enum ConnectionState {
    /// Keep-alive: waiting for the first byte of the next request, since the given loop time (ms).
    case idle(since: Int64)
    /// Between a request's first byte and the end of its head, since the given loop time (ms).
    case readingHead(since: Int64)
    /// A request's head is parsed (or could not be): its body arrives and its answer is produced
    /// and written. Request and response sides move independently (an early 413 while the body
    /// still arrives, a streamed answer to a streamed upload), so each has its own state.
    case exchanging(Exchange)
    /// HTTP is over, but a sendfile worker still writes to the socket: the descriptor is closed
    /// only after the worker stopped, or the next accept could reuse it under the worker.
    case stoppingSendfile(SendfileJob)
    /// The transport is closing: queued bytes drain and, after a graceful close, it lingers for
    /// the peer's FIN. Nothing is read or written for HTTP any more.
    case closing
    /// Every resource is released and the server has forgotten the connection.
    case closed

    /// False once the connection closes: no more HTTP in either direction.
    var isOpen: Bool {
        switch self {
        case .idle, .readingHead, .exchanging: return true
        case .stoppingSendfile, .closing, .closed: return false
        }
    }
}

/// One request and its answer. A class so the state's hot transitions (a body chunk, a write
/// report) update it in place instead of copying an enum payload; it lives exactly as long as
/// the `.exchanging` state that holds it.
final class Exchange {
    /// The parsed request; nil when the head could not be parsed or the connection is refused
    /// (an error answer, then close).
    let request: HTTPRequest?
    /// A `HEAD` request: heads only, never a body.
    let headOnly: Bool
    /// An HTTP/1.0 request: no chunked framing in the answer.
    let http10: Bool
    /// When the request's first byte arrived (loop ms): the start of the overall request deadline.
    let startedAt: Int64
    /// The route's traits when a handler runs (nil for answers decided at dispatch).
    var traits: HandlerTraits?
    /// Counts the request against its app while the exchange lives (handled requests only).
    var inFlight: InFlightToken?
    /// The download slot a file answer holds, from before its head is written until its last
    /// byte (released when the exchange and the sendfile job let go of it).
    var fileSlot: FileSlot?
    /// A file streamed through the transport (TLS), whose pace the sweeper checks: a client that
    /// stops reading stalls the job between chunks, where it cannot check itself.
    var fileStream: FileStreamJob?
    /// The minimum-rate window of a streaming upload: when it began (loop ms) and the body bytes
    /// received by then.
    var rateWindow: (start: Int64, received: Int64)
    /// Whether the connection may carry another request after this one. Only ever turns false.
    var keepAlive: Bool
    /// The request body's side.
    var inbound: Inbound
    /// The answer's side.
    var outbound: Outbound
    /// Bytes of the answer written so far (access log).
    var bytesSent = 0
    /// The answer's status (access log); 0 until it is chosen.
    var status = 0

    init(request: HTTPRequest?, keepAlive: Bool, inbound: Inbound, startedAt: Int64) {
        self.request = request
        self.headOnly = request?.methodName == "HEAD"
        self.http10 = request.map { $0.versionMajor == 1 && $0.versionMinor == 0 } ?? false
        self.startedAt = startedAt
        self.rateWindow = (startedAt, 0)
        self.keepAlive = keepAlive
        self.inbound = inbound
        self.outbound = .unanswered(handler: nil)
    }

    /// The request's body stream while it is being received.
    var receivingBody: RequestBody? {
        if case .receiving(let body, _, _, _) = inbound { return body }
        return nil
    }

    /// Body bytes received so far (0 when the body is not being received).
    var bodyBytesReceived: Int64 {
        if case .receiving(_, _, let received, _) = inbound { return received }
        return 0
    }

    /// True once the whole request, body included, has been read.
    var requestComplete: Bool {
        if case .complete = inbound { return true }
        return false
    }

    /// True while the answer is a stream with no declared end (chunked, or until close): an
    /// event stream the client consumes live.
    var isOpenEndedStream: Bool {
        switch outbound {
        case .streaming(_, .chunked), .streaming(_, .untilClose): return true
        case .unanswered, .deferred, .writing, .streaming, .sendingFile: return false
        }
    }

    /// True until an answer's head has been chosen (the handler may still run).
    var isUnanswered: Bool {
        switch outbound {
        case .unanswered, .deferred: return true
        case .writing, .streaming, .sendingFile: return false
        }
    }
}

/// The request body's side of an exchange.
enum Inbound {
    /// The body streams into `body` for the handler, up to `limit` bytes; `received` counts them.
    case receiving(RequestBody, limit: Int, received: Int64, interim: ContinueInterim)
    /// The body is read and thrown away (the answer does not need it).
    case discarding
    /// The body went over its limit: it was failed with 413 and the parser stopped; the
    /// handler's answer closes the connection.
    case refused
    /// The whole request has been read.
    case complete
}

/// `Expect: 100-continue` bookkeeping for a body being received.
enum ContinueInterim {
    /// The client did not ask.
    case notExpected
    /// The client waits for `100 Continue` before sending the body; it goes on the first read.
    case owed
    /// `100 Continue` was written.
    case sent
}

/// The answer's side of an exchange.
enum Outbound {
    /// No answer yet; the route's handler runs in `handler` (nil for inline answers and errors).
    case unanswered(handler: Task<Void, Never>?)
    /// An inline answer held until the request's end, so a keep-alive client's small body is
    /// read first (a large or chunked one is not waited for: the answer goes at once and closes).
    case deferred(HTTPResponse)
    /// A head and fixed body are queued (or a file's sendfile job has ended); the exchange ends
    /// at the last write report.
    case writing
    /// A streamed body: the producer runs in `producer` (the handler's task), framed as `framing`.
    case streaming(producer: Task<Void, Never>?, framing: StreamFraming)
    /// A file answer: `job` sends it once the head is written (nil while the head is in flight).
    case sendingFile(SendfileJob?)
}

/// How a streamed answer's body is delimited.
enum StreamFraming {
    /// `Transfer-Encoding: chunked`.
    case chunked
    /// A declared `Content-Length`; `remaining` bytes are still owed.
    case contentLength(remaining: Int64)
    /// HTTP/1.0 without a length: the body ends when the connection closes.
    case untilClose
}
