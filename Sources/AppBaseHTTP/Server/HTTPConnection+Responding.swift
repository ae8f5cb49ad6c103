import AppBaseCore
import CHTTPParser

/// Running handlers and writing responses, in request order.
extension HTTPConnection {
    func startHandler(_ handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse, request: HTTPRequest,
                      exchange: Exchange) {
        let bound = LoopBound(self, loop: server.loop)
        // The task is enqueued on the loop: it cannot run before this callback returns, so the
        // exchange holds it before it can answer.
        exchange.outbound = .unanswered(handler: Task(executorPreference: server.loop) {
            let response = await handler(request)
            await HTTPConnection.deliver(response, to: bound)
        })
    }

    /// Hands a handler's response to its connection on the loop and runs a streamed body's
    /// producer in the same task, so cancelling the task stops the producer too.
    static func deliver(_ response: HTTPResponse, to bound: LoopBound<HTTPConnection>) async {
        let producer: (@Sendable (ResponseBodyWriter) async throws -> Void)?
        if bound.loop.isCurrent {
            producer = bound.value.respond(response)
        } else {
            producer = try? await bound.loop.run { bound.value.respond(response) }
        }
        guard let producer else { return }
        let writer = ResponseBodyWriter(connection: bound)
        let succeeded: Bool
        do {
            try await producer(writer)
            succeeded = true
        } catch {
            succeeded = false
        }
        if bound.loop.isCurrent {
            bound.value.finishStream(succeeded: succeeded)
        } else {
            bound.loop.execute { bound.value.finishStream(succeeded: succeeded) }
        }
    }

    func respondWithError(_ error: AppBaseError) {
        let request = exchangeRequest
        let requestID = request?.requestID ?? Identifier.requestID()
        var response = ErrorRenderer.response(for: error, requestID: requestID)
        // Without a parsed request (bad head, connection refused) the head would carry no
        // X-Request-Id; send the one the body names.
        if request == nil { response.headers.add("X-Request-Id", requestID) }
        // Errors answered here after dispatch still get the route's CORS headers.
        if let request { dispatcher.decorate(&response, for: request) }
        _ = respond(response)
    }

    /// The request being answered, if the head could be parsed.
    private var exchangeRequest: HTTPRequest? {
        if case .exchanging(let exchange) = state { return exchange.request }
        return nil
    }

    /// Writes the head (and a fixed body, or starts a file transfer). For a streamed body it
    /// returns the producer, which the caller's task runs.
    @discardableResult
    func respond(_ response: HTTPResponse) -> (@Sendable (ResponseBodyWriter) async throws -> Void)? {
        guard case .exchanging(let exchange) = state else { return nil }
        let handler: Task<Void, Never>?
        switch exchange.outbound {
        case .unanswered(let task): handler = task
        case .deferred: handler = nil
        case .writing, .streaming, .sendingFile: return nil
        }
        if case .file(let file) = response.body, !exchange.headOnly, file.length > 0 {
            // The slot is taken before the head goes out, so a burst cannot overshoot. Every slot
            // (of this app, or in all) held by clients still reading: answer now instead of
            // queueing behind them.
            guard let slot = server.downloads.reserve(app: exchange.traits?.app ?? "") else {
                respondWithError(.serverBusy(retryAfterSeconds: 1, "Too many downloads in progress; retry shortly."))
                return nil
            }
            exchange.fileSlot = slot
        }
        exchange.status = response.status
        server.requestRecorder?.record(exchange.request, response)
        if !exchange.requestComplete {
            // The rest of the body would have to be read and thrown away; close instead.
            exchange.keepAlive = false
            // Stop reading unless the handler is consuming the body: a streamed response may go
            // on reading it, and nothing would resume the socket for a reader already waiting.
            if exchange.receivingBody?.wasDemanded != true { pauseReading() }
        }
        var head = ResponseHead(status: response.status, headers: response.headers, keepAlive: exchange.keepAlive,
                                http10: exchange.http10, requestID: exchange.request?.requestID, date: server.currentDate())
        if transport.peerFinishedSending && pending.isEmpty {
            // Half-closed with nothing pipelined behind: this is the last answer; say so.
            head.keepAlive = false
        }
        switch response.body {
        case .empty:
            exchange.outbound = .writing
            head.setContentLength(0, omitForStatus: true)
            writeRaw(head.encoded(), then: .finishResponse)
            return nil
        case .bytes(let bytes):
            exchange.outbound = .writing
            head.setContentLength(Int64(bytes.count), omitForStatus: false)
            writeRaw(exchange.headOnly ? head.encoded() : head.encoded(body: bytes), then: .finishResponse)
            return nil
        case .file(let file):
            exchange.outbound = .sendingFile(nil)
            head.setContentLength(file.length, omitForStatus: false)
            writeRaw(head.encoded(), then: .sendFile(file))
            return nil
        case .stream(let contentLength, let producer):
            let framing: StreamFraming
            if let contentLength {
                head.setContentLength(contentLength, omitForStatus: false)
                framing = .contentLength(remaining: contentLength)
            } else if transport.peerFinishedSending {
                // The client hung up while the handler ran: nobody will read an open-ended stream.
                close(reason: "peer finished sending before its stream began", graceful: true)
                return nil
            } else if exchange.http10 {
                exchange.keepAlive = false
                head.keepAlive = false
                framing = .untilClose
            } else {
                head.setChunked()
                framing = .chunked
            }
            exchange.outbound = .streaming(producer: handler, framing: framing)
            writeRaw(head.encoded())
            if exchange.headOnly {
                finishStream(succeeded: true)
                return nil
            }
            return producer
        }
    }

    /// `bytes` framed as one HTTP/1.1 chunk (`<hex length>CRLF<bytes>CRLF`), assembled in a
    /// temporary buffer (on the stack for an SSE frame's size): one copy, no `String`, no array.
    static func withChunkFraming<Result>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var digits = 1
        while digits < 16, bytes.count >> (4 * digits) > 0 { digits += 1 }
        let total = digits + bytes.count + 4
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { buffer in
            for index in 0..<digits {
                buffer[index] = ASCII.hexDigit(UInt8(truncatingIfNeeded: bytes.count >> (4 * (digits - 1 - index))) & 0x0F)
            }
            buffer[digits] = 13
            buffer[digits + 1] = 10
            bytes.withUnsafeBufferPointer { source in
                if let base = source.baseAddress, let target = buffer.baseAddress {
                    (target + digits + 2).initialize(from: base, count: source.count)
                }
            }
            buffer[total - 2] = 13
            buffer[total - 1] = 10
            return body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Queues one piece of a streamed body. Returns true when the producer should wait for
    /// the queue to drain.
    func writeBodyChunk(_ bytes: [UInt8]) throws -> Bool {
        guard case .exchanging(let exchange) = state,
              case .streaming(let producer, let framing) = exchange.outbound else { throw ConnectionClosedError() }
        // Nothing to send — and an empty chunk would frame as `0\r\n\r\n`, ending the body.
        guard !bytes.isEmpty else { return transport.queuedBytes > server.limits.writeBufferBytes }
        let written: Bool
        switch framing {
        case .contentLength(let remaining):
            // More than the declared length would be read as the start of the next response.
            guard Int64(bytes.count) <= remaining else {
                close(reason: "stream overran its Content-Length", graceful: true)
                throw ConnectionClosedError()
            }
            exchange.outbound = .streaming(producer: producer, framing: .contentLength(remaining: remaining - Int64(bytes.count)))
            written = writeRaw(bytes)
        case .untilClose:
            written = writeRaw(bytes)
        case .chunked:
            written = Self.withChunkFraming(bytes) { writeRaw($0) }
        }
        guard written else {
            // The peer is gone: stop the producer now rather than at the (deferred) report.
            close(reason: "write failed")
            throw ConnectionClosedError()
        }
        return transport.queuedBytes > server.limits.writeBufferBytes
    }

    /// Ends a streamed body: the last chunk on success, an abortive close on failure.
    func finishStream(succeeded: Bool) {
        guard case .exchanging(let exchange) = state, case .streaming(_, let framing) = exchange.outbound else { return }
        guard succeeded else {
            close(reason: "stream producer failed")
            return
        }
        if exchange.headOnly {
            responseFinished()
            return
        }
        switch framing {
        case .contentLength(let remaining) where remaining > 0:
            // Short of its Content-Length: only closing tells the client the body is incomplete.
            close(reason: "stream shorter than its Content-Length", graceful: true)
        case .chunked:
            exchange.outbound = .writing
            writeRaw(StatusLine.lastChunk, then: .finishResponse)
        case .contentLength, .untilClose:
            responseFinished()
        }
    }

    /// The response is fully written: log it, then read the next request or close.
    func responseFinished() {
        guard case .exchanging(let exchange) = state else { return }
        if let request = exchange.request {
            server.accessLog.record(request: request, status: exchange.status, bytes: exchange.bytesSent)
        }
        let peerFinished = transport.peerFinishedSending
        guard exchange.keepAlive, exchange.requestComplete, !server.draining, !(peerFinished && pending.isEmpty) else {
            close(reason: "response complete", graceful: true)
            return
        }
        let now = server.nowMillis()
        state = .idle(since: now)
        server.idle.append(self)
        http_parser_pause(parser, 0)
        if !pending.isEmpty {
            beginReadingHead(now: now)
            let buffered = pending
            pending = []
            buffered.withUnsafeBytes { parse($0) }
        }
        guard state.isOpen else { return }
        if peerFinished {
            // Half-closed: the requests pipelined before the FIN are answered one by one; once
            // none is left (or only part of one, which can never complete), the connection ends.
            switch state {
            case .idle, .readingHead: close(reason: "peer finished sending", graceful: true)
            default: break
            }
            return
        }
        if !parserPaused { resumeReading() }
    }

    /// idle → readingHead: the next request's first bytes are here.
    func beginReadingHead(now: Int64) {
        server.idle.remove(self)
        state = .readingHead(since: now)
        headScanner.reset()
    }
}
