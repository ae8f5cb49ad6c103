import AppBaseCore
import CHTTPParser

/// Running handlers and writing responses, in request order.
extension HTTPConnection {
    func startHandler(_ handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse, request: HTTPRequest) {
        let bound = LoopBound(self, loop: server.loop)
        task = Task(executorPreference: server.loop) {
            let response = await handler(request)
            await HTTPConnection.deliver(response, to: bound)
        }
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
        let requestID = request?.requestID ?? Identifier.requestID()
        var response = ErrorRenderer.response(for: error, requestID: requestID)
        // Without a parsed request (bad head, connection refused) the head would carry no
        // X-Request-Id; send the one the body names.
        if request == nil { response.headers.add("X-Request-Id", requestID) }
        // Errors answered here after dispatch still get the route's CORS headers.
        if let request { dispatcher.decorate(&response, for: request) }
        _ = respond(response)
    }

    /// Writes the head (and a fixed body, or starts a file transfer). For a streamed body it
    /// returns the producer, which the caller's task runs.
    @discardableResult
    func respond(_ response: HTTPResponse) -> (@Sendable (ResponseBodyWriter) async throws -> Void)? {
        guard phase == .handling, !responseInProgress else { return nil }
        responseInProgress = true
        responseStatus = response.status
        if !messageComplete {
            // The rest of the body would have to be read and thrown away; close instead.
            keepAlive = false
            // Stop reading unless the handler is consuming the body: a streamed response may go
            // on reading it, and nothing would resume the socket for a reader already waiting.
            if body?.wasDemanded != true { pauseReading() }
        }
        var head = ResponseHead(status: response.status, headers: response.headers, keepAlive: keepAlive,
                                http10: request.map { $0.versionMajor == 1 && $0.versionMinor == 0 } ?? false,
                                requestID: request?.requestID, date: server.currentDate())
        switch response.body {
        case .empty:
            head.setContentLength(0, omitForStatus: true)
            writeRaw(head.encoded(), then: .finishResponse)
            return nil
        case .bytes(let bytes):
            head.setContentLength(Int64(bytes.count), omitForStatus: false)
            writeRaw(headOnly ? head.encoded() : head.encoded(body: bytes), then: .finishResponse)
            return nil
        case .file(let file):
            if !headOnly && file.length > 0 && server.activeFileResponses >= server.limits.maxConcurrentFileResponses {
                // Every sendfile slot is held by a client still reading: answer now instead of
                // queueing behind them.
                responseInProgress = false
                respondWithError(.serverBusy(retryAfterSeconds: 1, "Too many downloads in progress; retry shortly."))
                return nil
            }
            head.setContentLength(file.length, omitForStatus: false)
            writeRaw(head.encoded(), then: .sendFile(file))
            return nil
        case .stream(let contentLength, let producer):
            if let contentLength {
                head.setContentLength(contentLength, omitForStatus: false)
                streamingChunked = false
                streamBytesRemaining = contentLength
            } else if request.map({ $0.versionMajor == 1 && $0.versionMinor == 0 }) == true {
                keepAlive = false
                head.keepAlive = false
                streamingChunked = false
            } else {
                head.setChunked()
                streamingChunked = true
            }
            writeRaw(head.encoded())
            if headOnly {
                finishStream(succeeded: true)
                return nil
            }
            return producer
        }
    }

    /// Queues one piece of a streamed body. Returns true when the producer should wait for
    /// the queue to drain.
    func writeBodyChunk(_ bytes: [UInt8]) throws -> Bool {
        guard phase == .handling, responseInProgress else { throw ConnectionClosedError() }
        // Nothing to send — and an empty chunk would frame as `0\r\n\r\n`, ending the body.
        guard !bytes.isEmpty else { return transport.queuedBytes > server.limits.writeBufferBytes }
        if let remaining = streamBytesRemaining {
            // More than the declared length would be read as the start of the next response.
            guard Int64(bytes.count) <= remaining else {
                close(reason: "stream overran its Content-Length", graceful: true)
                throw ConnectionClosedError()
            }
            streamBytesRemaining = remaining - Int64(bytes.count)
        }
        let written: Bool
        if streamingChunked {
            var framed = Array(String(bytes.count, radix: 16).utf8)
            framed.reserveCapacity(framed.count + bytes.count + 4)
            framed.append(13)
            framed.append(10)
            framed.append(contentsOf: bytes)
            framed.append(13)
            framed.append(10)
            written = writeRaw(framed)
        } else {
            written = writeRaw(bytes)
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
        guard phase == .handling, responseInProgress else { return }
        if !succeeded {
            close(reason: "stream producer failed")
        } else if !headOnly, let remaining = streamBytesRemaining, remaining > 0 {
            // Short of its Content-Length: only closing tells the client the body is incomplete.
            close(reason: "stream shorter than its Content-Length", graceful: true)
        } else if streamingChunked && !headOnly {
            writeRaw(StatusLine.lastChunk, then: .finishResponse)
        } else {
            responseFinished()
        }
    }

    /// The response is fully written: log it, then read the next request or close.
    func responseFinished() {
        guard phase == .handling else { return }
        if let request {
            server.accessLog.record(request: request, status: responseStatus, bytes: bytesSent)
        }
        task = nil
        request = nil
        body = nil
        deferredResponse = nil
        sendfileCancel = nil
        responseInProgress = false
        streamingChunked = false
        streamBytesRemaining = nil
        bytesSent = 0
        guard keepAlive, messageComplete, !server.draining else {
            close(reason: "response complete", graceful: true)
            return
        }
        phase = .idle
        phaseStartedAt = server.nowMillis()
        parserPaused = false
        http_parser_pause(parser, 0)
        if !pending.isEmpty {
            phase = .readingHead
            let buffered = pending
            pending = []
            buffered.withUnsafeBytes { parse($0) }
        }
        if phase != .closed && !parserPaused { resumeReading() }
    }
}
