/// One parsed request: head fields plus a streamed body.
///
/// A value type; the body is a handle to the connection's bounded chunk stream.
public struct HTTPRequest: Sendable {
    /// The method as sent (upper case). `method` is nil for methods AppBase does not route.
    public var methodName: String
    public var method: HTTPMethod? { HTTPMethod(rawValue: methodName) }
    /// The path, still percent-encoded, without the query string.
    public var path: String
    /// The raw query string (after `?`), or empty.
    public var query: String
    /// Header fields with lowercased names.
    public var headers: HTTPHeaders
    public var versionMajor: Int
    public var versionMinor: Int
    /// Whether the connection may be kept open after this request (HTTP/1.1 default, `Connection`).
    public var keepAlive: Bool
    /// The socket's peer address (no port). `X-Forwarded-For` is applied by the auth layer only
    /// for trusted proxies.
    public var remoteAddress: String
    /// The local port the request arrived on.
    public var localPort: Int
    /// The request id (client's `X-Request-Id` when well-formed, else generated).
    public var requestID: String
    /// The declared body length, or nil for chunked or bodiless requests.
    public var contentLength: Int64?
    /// True when the body uses chunked transfer encoding.
    public var isChunked: Bool
    /// The body, streamed with backpressure.
    public var body: RequestBody
    /// Monotonic start time (nanoseconds), for the access log.
    public var startedAt: UInt64
    /// True when the request arrived over TLS (HTTPS); plain HTTP on the same port is false.
    public var isSecure = false

    /// A request built in code (tests, internal re-dispatch).
    public init(methodName: String, path: String, query: String = "", headers: HTTPHeaders = HTTPHeaders(),
                versionMajor: Int = 1, versionMinor: Int = 1, keepAlive: Bool = true, remoteAddress: String = "127.0.0.1",
                localPort: Int = 0, requestID: String = "test", contentLength: Int64? = nil, isChunked: Bool = false,
                body: RequestBody = .empty(), startedAt: UInt64 = 0) {
        self.methodName = methodName
        self.path = path
        self.query = query
        self.headers = headers
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.keepAlive = keepAlive
        self.remoteAddress = remoteAddress
        self.localPort = localPort
        self.requestID = requestID
        self.contentLength = contentLength
        self.isChunked = isChunked
        self.body = body
        self.startedAt = startedAt
    }

    /// The `Host` header without its port, lowercased.
    public var hostName: String? {
        guard let host = headers["host"] else { return nil }
        let withoutPort: Substring
        if host.hasPrefix("[") {
            withoutPort = host.split(separator: "]", maxSplits: 1).first.map { $0 + "]" } ?? Substring(host)
        } else {
            withoutPort = host.split(separator: ":", maxSplits: 1).first ?? Substring(host)
        }
        return withoutPort.lowercased()
    }

    /// True when the request carries (or may carry) a body.
    public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }

    /// Parsed query parameters (percent-decoded, `+` as space), in order.
    public var queryItems: [(name: String, value: String)] { QueryString.parse(query) }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        QueryString.parse(query).first { $0.name == name }?.value
    }
}
