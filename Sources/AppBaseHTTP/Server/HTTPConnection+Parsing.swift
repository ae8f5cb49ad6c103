import AppBaseCore
import CHTTPParser

/// http_parser glue: the C callbacks find their connection through `parser.data` and forward
/// to these methods. Returning non-zero from a callback stops the parser with an error.
extension HTTPConnection {
    static let settings: http_parser_settings = {
        var settings = http_parser_settings()
        settings.on_message_begin = { parser in connection(parser)?.messageBegin() ?? 1 }
        settings.on_url = { parser, at, length in connection(parser)?.url(at, length) ?? 1 }
        settings.on_header_field = { parser, at, length in connection(parser)?.headerField(at, length) ?? 1 }
        settings.on_header_value = { parser, at, length in connection(parser)?.headerValue(at, length) ?? 1 }
        settings.on_headers_complete = { parser in connection(parser)?.headersComplete() ?? 1 }
        settings.on_body = { parser, at, length in connection(parser)?.bodyChunk(at, length) ?? 1 }
        settings.on_message_complete = { parser in connection(parser)?.messageCompleted() ?? 1 }
        return settings
    }()

    private static func connection(_ parser: UnsafeMutablePointer<http_parser>?) -> HTTPConnection? {
        guard let data = parser?.pointee.data else { return nil }
        return Unmanaged<HTTPConnection>.fromOpaque(data).takeUnretainedValue()
    }

    /// Feeds bytes to the parser; keeps what it did not consume when it paused. While a head is
    /// being read its raw bytes are first checked for framing the parser would let through.
    func parse(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count > 0 else { return }
        if case .readingHead = state, case .invalid(let violation) = headScanner.scan(bytes) {
            answerMalformedHead(.badRequest(violation.message))
            return
        }
        var settings = HTTPConnection.settings
        let parsed = http_parser_execute(parser, &settings, base, bytes.count)
        guard state.isOpen else { return }
        let errno = http_errno(rawValue: parser.pointee.http_errno)
        if errno == HPE_PAUSED {
            if parsed < bytes.count {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[parsed...]))
            }
            if pending.count > server.limits.discardableBodyBytes { pauseReading() }
        } else if errno != HPE_OK {
            parseFailed(errno)
        } else if parser.pointee.upgrade != 0, case .exchanging(let exchange) = state {
            exchange.keepAlive = false
        }
    }

    /// The parser stopped with an error: answer it, unless a handler already owns the answer.
    private func parseFailed(_ errno: http_errno) {
        let error: AppBaseError
        switch head.failure {
        case .headerTooLarge:
            error = AppBaseError(status: 431, code: .headerTooLarge,
                                 message: "Request header block exceeds \(server.limits.maxHeaderBytes) bytes.")
        case .uriTooLong:
            error = AppBaseError(status: 414, code: .uriTooLong,
                                 message: "Request target exceeds \(server.limits.maxURLBytes) bytes.")
        case .malformed(let message):
            error = .badRequest(message)
        case .versionNotSupported:
            error = AppBaseError(status: 505, code: .httpVersionNotSupported,
                                 message: "Only HTTP/1.0 and HTTP/1.1 are served.")
        case .unsupportedTransferCoding(let coding):
            error = AppBaseError(status: 501, code: .notImplemented,
                                 message: "Transfer-Encoding '\(coding)' is not supported; send 'chunked' or Content-Length.")
        case nil:
            if case .exchanging(let exchange) = state, case .refused = exchange.inbound {
                return  // the body went over its limit and was failed with 413; that answer closes
            }
            if errno == HPE_INVALID_METHOD, headScanner.requestLineIsWellFormed {
                // A well-formed method the parser does not know: not implemented (RFC 9110 §9.1).
                error = AppBaseError(status: 501, code: .notImplemented, message: "The request method is not implemented; "
                                     + "AppBase serves \(HTTPMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
            } else {
                let name = String(cString: http_errno_description(errno))
                error = .badRequest("Malformed HTTP request: \(name).")
            }
        }
        guard case .exchanging(let exchange) = state, exchange.request != nil else {
            answerMalformedHead(error)
            return
        }
        // The head was fine; the body framing broke. Fail the body; the handler answers.
        exchange.keepAlive = false
        if case .receiving(let body, _, _, _) = exchange.inbound { body.fail(error) }
        exchange.inbound = .discarding
        switch exchange.outbound {
        case .unanswered(handler: nil), .deferred:
            respondWithError(error)
        case .unanswered, .writing, .streaming, .sendingFile:
            break
        }
    }

    /// Answers a head that could not be parsed (no request exists), then closes.
    func answerMalformedHead(_ error: AppBaseError) {
        let exchange = Exchange(request: nil, keepAlive: false, inbound: .discarding, startedAt: server.nowMillis())
        state = .exchanging(exchange)
        pauseReading()
        respondWithError(error)
    }

    func messageBegin() -> Int32 {
        head.reset()
        return 0
    }

    func url(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        head.appendURL(UnsafeRawBufferPointer(start: at, count: at == nil ? 0 : length), limits: server.limits) ? 0 : 1
    }

    func headerField(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        head.appendFieldName(UnsafeRawBufferPointer(start: at, count: at == nil ? 0 : length), limits: server.limits) ? 0 : 1
    }

    func headerValue(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        head.appendFieldValue(UnsafeRawBufferPointer(start: at, count: at == nil ? 0 : length), limits: server.limits) ? 0 : 1
    }

    /// What `on_headers_complete` returns to stop the parser with an error: 1 and 2 mean
    /// "no body" and "upgrade" to http_parser, only other values are errors.
    static let headersRefused: Int32 = -1

    /// The head is complete: check its framing, build the request, dispatch it.
    func headersComplete() -> Int32 {
        head.finishFields()
        guard let target = RequestTarget(head.urlBytes) else {
            head.failure = .malformed("Malformed HTTP request: invalid request target.")
            return HTTPConnection.headersRefused
        }
        let versionMajor = Int(parser.pointee.http_major)
        let versionMinor = Int(parser.pointee.http_minor)
        guard versionMajor == 1, versionMinor <= 1 else {
            head.failure = .versionNotSupported
            return HTTPConnection.headersRefused
        }
        let headers = HTTPHeaders(fields: head.fields)
        if let failure = FramingHeaders.check(headers) {
            head.failure = failure
            return HTTPConnection.headersRefused
        }
        let methodName = String(cString: http_method_str(http_method(rawValue: UInt32(parser.pointee.method))))
        let flags = UInt32(parser.pointee.flags)
        let isChunked = flags & F_CHUNKED.rawValue != 0
        let declaredLength = parser.pointee.content_length
        let contentLength: Int64? = (isChunked || declaredLength == UInt64.max) ? nil : Int64(clamping: declaredLength)
        let keepAlive = http_should_keep_alive(parser) != 0 && !server.draining
        let hasBody = isChunked || (contentLength ?? 0) > 0
        let requestBody: RequestBody
        if hasBody {
            // Weak: the body lives in the exchange's request, which the connection holds; a
            // strong reference here would keep a closed connection alive through that cycle.
            let bound = WeakLoopBound(self, loop: server.loop)
            requestBody = RequestBody(highWater: server.limits.bodyBufferBytes) {
                bound.loop.execute { bound.value?.bodyDemanded() }
            }
        } else {
            requestBody = RequestBody.empty()
        }
        let now = server.nowMillis()
        // The overall request deadline counts from the request's first byte, head included.
        let firstByteAt: Int64
        if case .readingHead(let since) = state { firstByteAt = since } else { firstByteAt = now }
        var request = HTTPRequest(
            methodName: methodName, path: target.path, query: target.query, headers: headers,
            versionMajor: versionMajor, versionMinor: versionMinor,
            keepAlive: keepAlive, remoteAddress: transport.peerAddress, localPort: localPort,
            requestID: RequestIDs.accept(headers["x-request-id"]), contentLength: contentLength,
            isChunked: isChunked, body: requestBody, startedAt: MonotonicTime.nanoseconds())
        request.isSecure = isSecure
        let expectsContinue = headers["expect"]?.lowercased() == "100-continue"
        let exchange = Exchange(request: request, keepAlive: keepAlive, inbound: .discarding, startedAt: firstByteAt)
        state = .exchanging(exchange)
        lastProgressAt = now

        switch dispatcher.dispatch(request) {
        case .respond(let response):
            // A client waiting for 100 Continue sends no body: answer now rather than wait for it.
            if hasBody && (isChunked || expectsContinue || (contentLength ?? 0) > Int64(server.limits.discardableBodyBytes)) {
                exchange.keepAlive = false
                respond(response)
            } else {
                exchange.outbound = .deferred(response)
            }
        case .handle(let traits, let handler):
            exchange.traits = traits
            exchange.inFlight = server.inFlight.begin(app: traits.app)
            let limit = traits.bodyLimit
            if let contentLength, contentLength > Int64(limit) {
                exchange.keepAlive = false
                respondWithError(.payloadTooLarge(limit: limit))
                return 0
            }
            exchange.inbound = .receiving(requestBody, limit: limit, received: 0,
                                          interim: expectsContinue ? .owed : .notExpected)
            exchange.rateWindow = (now, 0)
            startHandler(handler, request: request, exchange: exchange)
        }
        return 0
    }

    func bodyChunk(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        guard case .exchanging(let exchange) = state,
              case .receiving(let body, let limit, let received, let interim) = exchange.inbound,
              let at else { return 0 }
        let total = received + Int64(length)
        if total > Int64(limit) {
            exchange.inbound = .refused
            exchange.keepAlive = false
            body.fail(.payloadTooLarge(limit: limit))
            pauseReading()
            return 1
        }
        exchange.inbound = .receiving(body, limit: limit, received: total, interim: interim)
        let chunk = at.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
        if !body.append(chunk) {
            http_parser_pause(parser, 1)
            pauseReading()
        }
        return 0
    }

    func messageCompleted() -> Int32 {
        http_parser_pause(parser, 1)
        guard case .exchanging(let exchange) = state else { return 0 }
        if case .receiving(let body, _, _, _) = exchange.inbound { body.finish() }
        exchange.inbound = .complete
        if case .deferred(let response) = exchange.outbound {
            respond(response)
        }
        return 0
    }
}

/// The framing headers a request may carry, checked once the head is complete: anything a
/// proxy could read differently from us is refused (RFC 9112 §6).
enum FramingHeaders {
    static func check(_ headers: HTTPHeaders) -> RequestHeadBuilder.Failure? {
        var transferEncodings = 0
        var contentLengths = 0
        for field in headers.fields {
            let name = field.name, value = field.value
            if name == "transfer-encoding" {
                transferEncodings += 1
                // Only `chunked`, alone: `gzip, chunked`, `xchunked`, `identity` are refused.
                guard value.count == 7, value.lowercased() == "chunked" else { return .unsupportedTransferCoding(value) }
            } else if name == "content-length" {
                contentLengths += 1
                // 1*DIGIT without a sign or leading zeros (`005` is read as 5 here, as 5 or 005 elsewhere).
                let digits = value.utf8
                guard let first = digits.first, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                      first != 0x30 || digits.count == 1 else {
                    return .malformed("Malformed HTTP request: invalid Content-Length.")
                }
            }
        }
        if transferEncodings > 1 { return .malformed("Malformed HTTP request: repeated Transfer-Encoding.") }
        if transferEncodings > 0 && contentLengths > 0 {
            return .malformed("Malformed HTTP request: both Transfer-Encoding and Content-Length.")
        }
        return nil
    }
}

/// The request target split into path and query; origin-form, absolute-form or `*`.
struct RequestTarget {
    var path: String
    var query: String

    init?(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return nil }
        var target = bytes[...]
        if first != UInt8(ascii: "/") {
            if bytes == [UInt8(ascii: "*")] {
                path = "*"
                query = ""
                return
            }
            // absolute-form: scheme://authority/path
            guard let schemeEnd = bytes.firstIndex(of: UInt8(ascii: ":")),
                  bytes[schemeEnd...].starts(with: Array("://".utf8)) else { return nil }
            let afterAuthority = bytes[(schemeEnd + 3)...]
            guard let slash = afterAuthority.firstIndex(of: UInt8(ascii: "/")) else {
                path = "/"
                query = ""
                return
            }
            target = bytes[slash...]
        }
        // One pass: control bytes and spaces refuse the target; the first `?` ends the path
        // and the first `#` ends everything.
        var question: Int?
        var fragment: Int?
        for index in target.indices {
            let byte = target[index]
            if byte <= 0x20 || byte == 0x7F { return nil }
            if byte == UInt8(ascii: "?") {
                if question == nil && fragment == nil { question = index }
            } else if byte == UInt8(ascii: "#"), fragment == nil {
                fragment = index
            }
        }
        let end = fragment ?? target.endIndex
        if let question {
            path = String(decoding: target[..<question], as: UTF8.self)
            query = String(decoding: target[(question + 1)..<end], as: UTF8.self)
        } else {
            path = String(decoding: target[..<end], as: UTF8.self)
            query = ""
        }
    }
}

/// Request ids: a client's `X-Request-Id` is kept when short and plain, else one is made.
enum RequestIDs {
    static func accept(_ offered: String?) -> String {
        if let offered, (1...64).contains(offered.utf8.count),
           offered.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || $0 == 45 || $0 == 95 || $0 == 46 }) {
            return offered
        }
        return Identifier.requestID()
    }
}
