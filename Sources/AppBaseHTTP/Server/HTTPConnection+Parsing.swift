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

    /// Feeds bytes to the parser; keeps what it did not consume when it paused.
    func parse(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count > 0 else { return }
        var settings = HTTPConnection.settings
        let parsed = http_parser_execute(parser, &settings, base, bytes.count)
        guard phase != .closed else { return }
        let errno = http_errno(rawValue: parser.pointee.http_errno)
        if errno == HPE_PAUSED {
            parserPaused = true
            if parsed < bytes.count {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[parsed...]))
            }
            if pending.count > server.limits.discardableBodyBytes { pauseReading() }
        } else if errno != HPE_OK {
            parseFailed(errno)
        } else if parser.pointee.upgrade != 0 {
            keepAlive = false
        }
    }

    private func parseFailed(_ errno: http_errno) {
        let status = headErrorStatus ?? 400
        let error: AppBaseError
        switch status {
        case 431:
            error = AppBaseError(status: 431, code: .headerTooLarge,
                                 message: "Request header block exceeds \(server.limits.maxHeaderBytes) bytes.")
        case 414:
            error = AppBaseError(status: 414, code: .uriTooLong,
                                 message: "Request target exceeds \(server.limits.maxURLBytes) bytes.")
        case 413:
            return  // the body was failed with 413; the handler's response closes the connection
        default:
            let name = String(cString: http_errno_description(errno))
            error = AppBaseError(status: 400, code: .badRequest, message: "Malformed HTTP request: \(name).")
        }
        keepAlive = false
        if phase == .handling, request != nil {
            // The head was fine; the body framing broke. Fail the body; the handler answers.
            body?.fail(error)
            if task == nil && !responseInProgress { respondWithError(error) }
            return
        }
        phase = .handling
        respondWithError(error)
    }

    func messageBegin() -> Int32 {
        urlBytes.removeAll(keepingCapacity: true)
        headerFields.removeAll(keepingCapacity: true)
        fieldBuffer.removeAll(keepingCapacity: true)
        valueBuffer.removeAll(keepingCapacity: true)
        lastCallbackWasValue = false
        headBytes = 0
        headErrorStatus = nil
        return 0
    }

    func url(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        headBytes += length
        guard urlBytes.count + length <= server.limits.maxURLBytes else {
            headErrorStatus = 414
            return 1
        }
        guard headBytes <= server.limits.maxHeaderBytes else {
            headErrorStatus = 431
            return 1
        }
        append(at, length, to: &urlBytes)
        return 0
    }

    func headerField(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        if lastCallbackWasValue { commitHeader() }
        lastCallbackWasValue = false
        headBytes += length
        guard headBytes <= server.limits.maxHeaderBytes else {
            headErrorStatus = 431
            return 1
        }
        // http_parser (non-strict build) lets spaces into field names; RFC 9112 §5.1 requires
        // 400 for whitespace before the colon (`Transfer-Encoding : chunked` is a smuggling vector).
        if let at, !UnsafeRawBufferPointer(start: at, count: length).allSatisfy(HTTPConnection.isTokenByte) {
            headErrorStatus = 400
            return 1
        }
        append(at, length, to: &fieldBuffer)
        return 0
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case 33, 35...39, 42, 43, 45, 46, 94...96, 124, 126:  // ! # $ % & ' * + - . ^ _ ` | ~
            return true
        default:
            return false
        }
    }

    func headerValue(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        lastCallbackWasValue = true
        headBytes += length
        guard headBytes <= server.limits.maxHeaderBytes else {
            headErrorStatus = 431
            return 1
        }
        append(at, length, to: &valueBuffer)
        return 0
    }

    private func append(_ at: UnsafePointer<CChar>?, _ length: Int, to buffer: inout [UInt8]) {
        guard let at, length > 0 else { return }
        at.withMemoryRebound(to: UInt8.self, capacity: length) { buffer.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
    }

    private func commitHeader() {
        guard !fieldBuffer.isEmpty else { return }
        for index in fieldBuffer.indices where (65...90).contains(fieldBuffer[index]) { fieldBuffer[index] |= 0x20 }
        let name = String(decoding: fieldBuffer, as: UTF8.self)
        let value = String(decoding: valueBuffer, as: UTF8.self)
        headerFields.append((name, value))
        fieldBuffer.removeAll(keepingCapacity: true)
        valueBuffer.removeAll(keepingCapacity: true)
    }

    func headersComplete() -> Int32 {
        if lastCallbackWasValue { commitHeader() }
        guard let target = RequestTarget(urlBytes) else {
            headErrorStatus = 400
            return 1
        }
        let methodName = String(cString: http_method_str(http_method(rawValue: UInt32(parser.pointee.method))))
        let flags = UInt32(parser.pointee.flags)
        let isChunked = flags & F_CHUNKED.rawValue != 0
        let declaredLength = parser.pointee.content_length
        let contentLength: Int64? = (isChunked || declaredLength == UInt64.max) ? nil : Int64(clamping: declaredLength)
        keepAlive = http_should_keep_alive(parser) != 0 && !server.draining
        let headers = HTTPHeaders(headerFields)
        expectsContinue = headers["expect"]?.lowercased() == "100-continue"
        continueSent = false
        messageComplete = false
        discardingBody = false
        bodyReceived = 0
        deferredResponse = nil
        let hasBody = isChunked || (contentLength ?? 0) > 0
        let requestBody: RequestBody
        if hasBody {
            // Weak: the body lives in `request`, which the connection holds; a strong reference
            // here would keep a closed connection alive through that cycle.
            let bound = WeakLoopBound(self, loop: server.loop)
            requestBody = RequestBody(highWater: server.limits.bodyBufferBytes) {
                bound.loop.execute { bound.value?.bodyDemanded() }
            }
        } else {
            requestBody = RequestBody.empty()
        }
        body = requestBody
        let request = HTTPRequest(
            methodName: methodName, path: target.path, query: target.query, headers: headers,
            versionMajor: Int(parser.pointee.http_major), versionMinor: Int(parser.pointee.http_minor),
            keepAlive: keepAlive, remoteAddress: transport.peerAddress, localPort: localPort,
            requestID: RequestIDs.accept(headers["x-request-id"]), contentLength: contentLength,
            isChunked: isChunked, body: requestBody, startedAt: MonotonicTime.nanoseconds())
        self.request = request
        phase = .handling
        lastProgressAt = server.nowMillis()
        headOnly = methodName == "HEAD"

        switch dispatcher.dispatch(request) {
        case .respond(let response):
            discardingBody = true
            // A client waiting for 100 Continue sends no body: answer now rather than wait for it.
            if hasBody && (isChunked || expectsContinue || (contentLength ?? 0) > Int64(server.limits.discardableBodyBytes)) {
                keepAlive = false
                respond(response)
            } else {
                deferredResponse = response
            }
        case .handle(let limit, let handler):
            bodyLimit = limit
            if let contentLength, contentLength > Int64(limit) {
                discardingBody = true
                keepAlive = false
                respondWithError(.payloadTooLarge(limit: limit))
                return 0
            }
            startHandler(handler, request: request)
        }
        return 0
    }

    func bodyChunk(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        bodyReceived += Int64(length)
        if discardingBody { return 0 }
        guard let body, let at else { return 0 }
        if bodyReceived > Int64(bodyLimit) {
            discardingBody = true
            keepAlive = false
            body.fail(.payloadTooLarge(limit: bodyLimit))
            headErrorStatus = 413
            pauseReading()
            return 1
        }
        let chunk = at.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
        if !body.append(chunk) {
            http_parser_pause(parser, 1)
            pauseReading()
        }
        return 0
    }

    func messageCompleted() -> Int32 {
        messageComplete = true
        body?.finish()
        http_parser_pause(parser, 1)
        if let response = deferredResponse {
            deferredResponse = nil
            respond(response)
        }
        return 0
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
        for byte in target where byte <= 0x20 || byte == 0x7F { return nil }
        if let question = target.firstIndex(of: UInt8(ascii: "?")) {
            path = String(decoding: target[..<question], as: UTF8.self)
            let rest = target[(question + 1)...]
            let withoutFragment = rest.firstIndex(of: UInt8(ascii: "#")).map { rest[..<$0] } ?? rest
            query = String(decoding: withoutFragment, as: UTF8.self)
        } else {
            let withoutFragment = target.firstIndex(of: UInt8(ascii: "#")).map { target[..<$0] } ?? target
            path = String(decoding: withoutFragment, as: UTF8.self)
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
