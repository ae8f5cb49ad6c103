import AppBaseCore

/// The deadlines of a request whose body has not fully arrived: an answer decided early does
/// not wait long for a small body; a bounded body has an overall deadline; a streaming upload
/// must keep a minimum rate. Any byte used to count as progress, so a body trickling one byte
/// every 25 s held its slot for as long as the client liked.
extension HTTPConnection {
    /// Called by the sweeper for an exchange whose request is still incomplete.
    func checkBodyPace(of exchange: Exchange, now: Int64, reading: Bool) {
        let limits = server.limits
        if case .deferred = exchange.outbound, now - exchange.startedAt > limits.earlyAnswerWaitMillis {
            // The answer is known (401, 404…): stop waiting for the body, answer and close.
            answerWithoutBody(exchange)
            return
        }
        switch exchange.traits?.bodyPace ?? .bounded {
        case .bounded:
            if now - exchange.startedAt > limits.requestTimeoutMillis {
                requestTimedOut(exchange, "The request was not received within \(limits.requestTimeoutMillis / 1000) s.")
            }
        case .streamingUpload:
            guard reading else {
                // The server is not reading (the handler has not asked for more): the client
                // cannot be slow now; the window restarts once reading does.
                exchange.rateWindow = (now, exchange.bodyBytesReceived)
                return
            }
            var window = TransferPace.Window(start: exchange.rateWindow.start,
                                             bytes: exchange.bodyBytesReceived - exchange.rateWindow.received)
            if TransferPace(limits: limits).allows(&window, now: now) {
                if window.start == now { exchange.rateWindow = (now, exchange.bodyBytesReceived) }
            } else {
                requestTimedOut(exchange, """
                    The upload slowed below \(limits.minimumTransferRate) bytes/s \
                    over \(limits.minimumRateWindowMillis / 1000) s.
                    """)
            }
        }
    }

    /// Sends the answer decided at dispatch without reading the rest of the body, then closes.
    private func answerWithoutBody(_ exchange: Exchange) {
        guard case .deferred(let response) = exchange.outbound else { return }
        exchange.keepAlive = false
        exchange.inbound = .discarding
        respond(response)
    }

    /// Ends a request whose body is too slow: `408 request_timeout` if nothing was answered yet
    /// (the handler is cancelled and its body failed), else the connection closes.
    private func requestTimedOut(_ exchange: Exchange, _ message: String) {
        let error = AppBaseError(status: 408, code: .requestTimeout, message: message)
        if case .receiving(let body, _, _, _) = exchange.inbound { body.fail(error) }
        exchange.inbound = .refused
        exchange.keepAlive = false
        pauseReading()
        switch exchange.outbound {
        case .unanswered(let handler):
            handler?.cancel()
            respondWithError(error)
        case .deferred:
            respondWithError(error)
        case .writing, .streaming, .sendingFile:
            close(reason: "request deadline")
        }
    }
}
