import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// A response as read off the socket.
struct TestResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (`.null` when it is not JSON).
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }

    /// `error.code` of a JSON error body.
    var errorCode: String? { json["error"]?["code"]?.stringValue }
}

/// A tiny blocking HTTP/1.1 client for tests, one connection per request.
///
/// Its socket calls block, so they run on a dedicated thread, never on the cooperative pool
/// (the server under test must keep its threads). Every read has a 10 s timeout.
final class TestHTTPClient: Sendable {
    let port: Int
    private let thread = DedicatedThread(name: "storage-test-client")

    init(port: Int) { self.port = port }

    deinit { thread.shutdown() }

    /// Sends the request in `pieces` (pausing `pauseMicros` between them so they arrive as
    /// separate segments), then reads one response. Send errors are ignored: a server that
    /// answers early and closes (413) must still be heard.
    func exchange(_ pieces: [[UInt8]], method: String, pauseMicros: UInt32 = 0) async throws -> TestResponse {
        let port = self.port
        return try await thread.run {
            let socket = try Self.connect(port: port)
            defer { close(socket) }
            for (index, piece) in pieces.enumerated() {
                if index > 0 && pauseMicros > 0 { usleep(pauseMicros) }
                guard Self.sendAll(socket, piece) else { break }
            }
            return try Self.readResponse(socket, method: method)
        }
    }

    /// Connects and sends `pieces`, leaving the connection open (see `reset`).
    func open(sending pieces: [[UInt8]]) async throws -> Int32 {
        let port = self.port
        return try await thread.run {
            let socket = try Self.connect(port: port)
            for piece in pieces { _ = Self.sendAll(socket, piece) }
            return socket
        }
    }

    /// Closes a connection from `open` abortively (RST), as a client that vanishes mid-body.
    func reset(_ socket: Int32) async throws {
        try await thread.run {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close(socket)
        }
    }

    struct ClientError: Error, CustomStringConvertible {
        var description: String
    }

    private static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw ClientError(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(socket)
            throw ClientError(description: "connect: \(errno)")
        }
        return socket
    }

    private static func sendAll(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(socket, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    /// Reads a status line, headers and a body framed by Content-Length, chunks or close.
    private static func readResponse(_ socket: Int32, method: String) throws -> TestResponse {
        var reader = Reader(socket: socket)
        let statusLine = try reader.line()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw ClientError(description: "bad status line \(statusLine.debugDescription)")
        }
        var headers: [(String, String)] = []
        while true {
            let line = try reader.line()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw ClientError(description: "bad header \(line)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces()))
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        if method == "HEAD" || status == 204 || status == 304 || status < 200 { return response }
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                let sizeLine = try reader.line()
                guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                    throw ClientError(description: "bad chunk size \(sizeLine)")
                }
                if size == 0 {
                    while try !reader.line().isEmpty {}
                    break
                }
                response.body += try reader.bytes(size)
                _ = try reader.line()
            }
        } else if let length = response.header("content-length").flatMap({ Int($0) }) {
            response.body = try reader.bytes(length)
        } else {
            response.body = try reader.rest()
        }
        return response
    }

    /// Buffered reads from a blocking socket.
    private struct Reader {
        let socket: Int32
        var buffer: [UInt8] = []
        var start = 0

        init(socket: Int32) { self.socket = socket }

        /// Reads more bytes; false at end of stream.
        mutating func fill() throws -> Bool {
            var scratch = [UInt8](repeating: 0, count: 64 * 1024)
            let count = scratch.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { return true }
                if errno == ECONNRESET { return false }
                throw ClientError(description: "recv: \(errno) (timed out?)")
            }
            if count == 0 { return false }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer += scratch[..<count]
            return true
        }

        mutating func line() throws -> String {
            while true {
                if let index = buffer[start...].firstIndex(of: 10) {
                    var end = index
                    if end > start && buffer[end - 1] == 13 { end -= 1 }
                    let text = String(decoding: buffer[start..<end], as: UTF8.self)
                    start = index + 1
                    return text
                }
                guard try fill() else { throw ClientError(description: "connection closed mid-line") }
            }
        }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            while buffer.count - start < count {
                guard try fill() else { throw ClientError(description: "connection closed mid-body") }
            }
            defer { start += count }
            return Array(buffer[start..<start + count])
        }

        mutating func rest() throws -> [UInt8] {
            while try fill() {}
            defer { start = buffer.count }
            return Array(buffer[start...])
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
