import AppBaseCore

/// Serialises a status line and header block into one buffer.
///
/// The connection adds the framing fields (`Content-Length` or `Transfer-Encoding`,
/// `Connection`), `Date`, `X-Request-Id` and `Referrer-Policy`; everything else comes from the
/// response.
struct ResponseHead {
    var status: Int
    var headers: HTTPHeaders
    var keepAlive: Bool
    var http10: Bool
    var requestID: String?
    var date: [UInt8]
    private var framing = Framing.none

    private enum Framing {
        case none
        case contentLength(Int64)
        case chunked
    }

    init(status: Int, headers: HTTPHeaders, keepAlive: Bool, http10: Bool, requestID: String?, date: [UInt8]) {
        self.status = status
        self.headers = headers
        self.keepAlive = keepAlive
        self.http10 = http10
        self.requestID = requestID
        self.date = date
    }

    /// Sets `Content-Length`; for 1xx, 204 and 304 no length is sent when `omitForStatus`.
    mutating func setContentLength(_ length: Int64, omitForStatus: Bool) {
        if omitForStatus && (status == 204 || status == 304 || status < 200) {
            framing = .none
            return
        }
        framing = .contentLength(length)
    }

    mutating func setChunked() {
        framing = .chunked
    }

    /// The head, followed by `body` (a fixed body goes out in the same write).
    func encoded(body: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + body.count)
        out.append(contentsOf: StatusLine.bytes(for: status))
        for field in headers.fields {
            out.append(contentsOf: field.name.utf8)
            out.append(58)
            out.append(32)
            Self.appendValue(field.value, to: &out)
            out.append(13)
            out.append(10)
        }
        switch framing {
        case .none:
            break
        case .contentLength(let length):
            out.append(contentsOf: StatusLine.contentLengthPrefix)
            ASCII.appendDecimal(UInt64(max(length, 0)), to: &out)
            out.append(13)
            out.append(10)
        case .chunked:
            out.append(contentsOf: StatusLine.chunkedField)
        }
        if let requestID {
            out.append(contentsOf: StatusLine.requestIDPrefix)
            out.append(contentsOf: requestID.utf8)
            out.append(13)
            out.append(10)
        }
        out.append(contentsOf: StatusLine.fixedFields)
        out.append(contentsOf: date)
        if !keepAlive {
            out.append(contentsOf: StatusLine.connectionClose)
        } else if http10 {
            out.append(contentsOf: StatusLine.connectionKeepAlive)
        }
        out.append(13)
        out.append(10)
        out.append(contentsOf: body)
        return out
    }

    /// A field value without CR or LF (a value cannot end the head or start a field): copied
    /// whole when it has none, which is every value but a mistaken one.
    private static func appendValue(_ value: String, to out: inout [UInt8]) {
        let utf8 = value.utf8
        let clean = utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 == 13 || $0 == 10 }
        } ?? false
        if clean {
            out.append(contentsOf: utf8)
        } else {
            for byte in utf8 where byte != 13 && byte != 10 { out.append(byte) }
        }
    }
}

/// Pre-encoded status lines and fixed fields.
enum StatusLine {
    static let requestIDPrefix = Array("X-Request-Id: ".utf8)
    static let fixedFields = Array("Referrer-Policy: no-referrer\r\n".utf8)
    static let connectionClose = Array("Connection: close\r\n".utf8)
    static let connectionKeepAlive = Array("Connection: keep-alive\r\n".utf8)
    static let contentLengthPrefix = Array("Content-Length: ".utf8)
    static let chunkedField = Array("Transfer-Encoding: chunked\r\n".utf8)
    static let continueInterim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    static let lastChunk = Array("0\r\n\r\n".utf8)

    private static let common: [Int: [UInt8]] = {
        var table: [Int: [UInt8]] = [:]
        for status in [100, 200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 409, 412, 413, 414, 415,
                       416, 417, 422, 429, 431, 499, 500, 501, 503] {
            table[status] = Array("HTTP/1.1 \(status) \(reason(for: status))\r\n".utf8)
        }
        return table
    }()

    static func bytes(for status: Int) -> [UInt8] {
        common[status] ?? Array("HTTP/1.1 \(status) \(reason(for: status))\r\n".utf8)
    }

    static func reason(for status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 416: return "Range Not Satisfiable"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 499: return "Client Closed Request"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
