import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// A response: status, headers and one of four body kinds.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: ResponseBody
    /// The route that answered, for metrics (set by `Router`); never sent on the wire.
    public var routeLabel: RouteLabel?

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
        self.routeLabel = nil
    }

    /// A JSON response from already-encoded bytes.
    public static func json(_ status: Int = 200, _ bytes: [UInt8], headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        headers.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A JSON response from a value.
    public static func json(_ status: Int = 200, _ value: JSONValue, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        json(status, value.serialized(), headers: headers)
    }

    /// 204 No Content.
    public static func noContent(headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        HTTPResponse(status: 204, headers: headers)
    }
}

/// The four kinds of response body the connection knows how to send.
public enum ResponseBody: Sendable {
    case empty
    /// Fixed bytes, sent with the head in one write.
    case bytes([UInt8])
    /// Bytes produced over time (chunked transfer encoding, or `Content-Length` when known),
    /// with write backpressure: `write` waits while the connection's queue is above its limit.
    /// Server-Sent Events use this kind.
    case stream(contentLength: Int64?, producer: @Sendable (ResponseBodyWriter) async throws -> Void)
    /// A byte range of an open file, sent with `sendfile(2)` off the loop thread.
    case file(FileBody)
}

/// An open file descriptor that is closed when the last reference goes away.
public final class OwnedFileDescriptor: Sendable {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    deinit { close(rawValue) }
}

/// A file region to send.
public struct FileBody: Sendable {
    public var descriptor: OwnedFileDescriptor
    public var offset: Int64
    public var length: Int64
    public init(descriptor: OwnedFileDescriptor, offset: Int64, length: Int64) {
        self.descriptor = descriptor
        self.offset = offset
        self.length = length
    }
}
