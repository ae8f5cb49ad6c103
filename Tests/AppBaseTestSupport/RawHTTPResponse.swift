import AppBaseCore

/// One header field of a response, exactly as received (name case preserved).
public struct RawHTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A response as read off the wire by `RawHTTPClient`: status line, header fields in order,
/// and the decoded body (chunked framing removed).
public struct RawHTTPResponse: Sendable {
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    public var status: Int
    public var reason: String
    public var headers: [RawHTTPHeader]
    /// The body with transfer coding removed; empty for HEAD, 1xx, 204 and 304.
    public var body: [UInt8]
    /// Number of non-empty chunks the body arrived in (0 unless chunked).
    public var chunkCount: Int

    public init(version: String, status: Int, reason: String, headers: [RawHTTPHeader], body: [UInt8] = [],
                chunkCount: Int = 0) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.chunkCount = chunkCount
    }

    /// The first value of `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of `name` (case-insensitive), in order.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// How many fields called `name` the response carries.
    public func headerCount(_ name: String) -> Int { headerValues(name).count }

    /// True when the body was sent with `Transfer-Encoding: chunked`.
    public var isChunked: Bool {
        header("transfer-encoding")?.lowercased().contains("chunked") ?? false
    }

    /// True when the server announced it will close the connection after this response.
    public var closesConnection: Bool {
        let connection = header("connection")?.lowercased() ?? ""
        if connection.contains("close") { return true }
        return version == "HTTP/1.0" && !connection.contains("keep-alive")
    }

    /// The body as UTF-8 text (invalid sequences repaired).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON, or `.null` when it is not JSON.
    public var json: JSONValue { (try? JSONParser.parse(body, maxDepth: 64)) ?? .null }

    /// `error.code` of an AppBase error body.
    public var errorCode: String? { json["error"]?["code"]?.stringValue }

    /// `error.requestId` of an AppBase error body.
    public var errorRequestID: String? { json["error"]?["requestId"]?.stringValue }

    /// True for responses that never carry a body whatever their headers say.
    static func bodyless(status: Int, method: String) -> Bool {
        method.uppercased() == "HEAD" || (100..<200).contains(status) || status == 204 || status == 304
    }
}

/// Builds request bytes for raw-socket tests. Nothing is validated: tests also build broken requests.
public enum RawRequest {
    /// The UTF-8 bytes of `text`.
    public static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A request with `Host` (unless nil) and, when `body` is given and no framing header is
    /// among `headers`, a matching `Content-Length`.
    public static func make(_ method: String, _ target: String, version: String = "HTTP/1.1",
                            host: String? = "localhost", headers: [(String, String)] = [],
                            body: [UInt8]? = nil) -> [UInt8] {
        var head = "\(method) \(target) \(version)\r\n"
        if let host { head += "Host: \(host)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let framed = headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
        if let body, !framed { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    /// A request whose body is sent with chunked transfer coding; `extensions[i]` (when present
    /// and non-nil) is appended to chunk `i`'s size line as `;extension`.
    public static func chunked(_ method: String, _ target: String, chunks: [[UInt8]], extensions: [String?] = [],
                               headers: [(String, String)] = []) -> [UInt8] {
        make(method, target, headers: headers + [("Transfer-Encoding", "chunked")])
            + chunkedBody(chunks, extensions: extensions)
    }

    /// Chunked framing for `chunks`, including the last chunk and the final CRLF.
    public static func chunkedBody(_ chunks: [[UInt8]], extensions: [String?] = []) -> [UInt8] {
        var out: [UInt8] = []
        for (index, chunk) in chunks.enumerated() where !chunk.isEmpty {
            var sizeLine = String(chunk.count, radix: 16)
            if index < extensions.count, let ext = extensions[index] { sizeLine += ";" + ext }
            out += Array((sizeLine + "\r\n").utf8) + chunk + [13, 10]
        }
        out += Array("0\r\n\r\n".utf8)
        return out
    }
}
