import AppBaseCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client for event streams over a raw socket. Blocking socket calls run on
/// the client's own thread, never on the cooperative pool.
final class SSEClient: Sendable {
    struct Event: Sendable, CustomStringConvertible {
        var event: String
        var id: String?
        var data: String
        var retry: Int?
        var json: JSONValue { (try? JSONParser.parse(data, maxDepth: 64)) ?? .null }
        var seq: Int64? { id.flatMap { Int64($0) } }
        var description: String { "\(event)#\(id ?? "-") \(data)" }
    }

    private struct State {
        var buffer: [UInt8] = []
        /// Decoded body bytes not yet parsed into events.
        var body: [UInt8] = []
        var chunkRemaining = 0
        var inChunkData = false
        var finished = false
        var events: [Event] = []
        var fields = (event: String?.none, id: String?.none, data: [String](), retry: Int?.none, seen: false)
        var rawBody: [UInt8] = []
    }

    let status: Int
    let headers: [String: String]
    private let socket: Int32
    private let thread: DedicatedThread
    private let state = Mutex(State())
    private let closed = Atomic<Bool>(false)

    private init(status: Int, headers: [String: String], socket: Int32, thread: DedicatedThread, rest: [UInt8]) {
        self.status = status
        self.headers = headers
        self.socket = socket
        self.thread = thread
        state.withLock { $0.buffer = rest }
    }

    deinit {
        close()
        thread.shutdown()
    }

    /// Connects, sends `GET path` and reads the response head.
    static func open(port: Int, path: String, headers: [(String, String)] = [], receiveBuffer: Int32? = nil) async throws -> SSEClient {
        let thread = DedicatedThread(name: "sse-client")
        let (fd, status, head, rest) = try await thread.run { () throws -> (Int32, Int, [String: String], [UInt8]) in
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ClientError("socket failed") }
            if var size = receiveBuffer {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { Glibc.close(fd); throw ClientError("connect failed") }
            var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            request += "\r\n"
            let bytes = Array(request.utf8)
            guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw ClientError("send failed") }
            setTimeout(fd, seconds: 5)
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                if let end = buffer.firstRange(of: [13, 10, 13, 10]) {
                    let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                    let (status, fields) = try parseHead(head)
                    return (fd, status, fields, Array(buffer[end.upperBound...]))
                }
                let count = recv(fd, &chunk, chunk.count, 0)
                guard count > 0 else { Glibc.close(fd); throw ClientError("no response head") }
                buffer += chunk[..<count]
            }
        }
        return SSEClient(status: status, headers: head, socket: fd, thread: thread, rest: rest)
    }

    /// The next event, waiting up to `timeout`; nil once the stream has ended.
    /// - Throws: when nothing arrives in time.
    func next(timeout: Double = 5) async throws -> Event? {
        if let event = takeEvent() { return event }
        let deadline = MonotonicTime.nanoseconds() + UInt64(timeout * 1e9)
        while true {
            if state.withLock({ $0.finished }) { return takeEvent() }
            let remaining = Double(Int64(deadline) - Int64(MonotonicTime.nanoseconds())) / 1e9
            guard remaining > 0 else { throw ClientError("timed out waiting for an event") }
            let bytes = try await receive(timeout: remaining)
            ingest(bytes)
            if let event = takeEvent() { return event }
        }
    }

    /// Events until one satisfies `stop` (included).
    func events(until stop: (Event) -> Bool, timeout: Double = 5) async throws -> [Event] {
        var events: [Event] = []
        while let event = try await next(timeout: timeout) {
            events.append(event)
            if stop(event) { return events }
        }
        return events
    }

    /// Every remaining event until the server ends the stream (or resets the connection).
    func drain(timeout: Double = 10) async throws -> [Event] {
        var events: [Event] = []
        while let event = try await next(timeout: timeout) { events.append(event) }
        return events
    }

    /// The whole body of a non-stream (error) response.
    func errorBody() async throws -> JSONValue {
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = state.withLock { $0.buffer }
        while body.count < length { body += try await receive(timeout: 5) }
        return (try? JSONParser.parse(Array(body.prefix(length)), maxDepth: 16)) ?? .null
    }

    func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        Glibc.shutdown(socket, Int32(SHUT_RDWR))
        Glibc.close(socket)
    }

    // MARK: Private

    private func receive(timeout: Double) async throws -> [UInt8] {
        let fd = socket
        return try await thread.run {
            setTimeout(fd, seconds: timeout)
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count > 0 { return Array(chunk[..<count]) }
            if count == 0 || errno == ECONNRESET || errno == EBADF { return [] }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw ClientError("timed out waiting for an event") }
            throw ClientError("recv failed: \(errno)")
        }
    }

    /// Feeds raw bytes (empty = end of stream) through chunk decoding and event parsing.
    private func ingest(_ bytes: [UInt8]) {
        state.withLock { state in
            if bytes.isEmpty { state.finished = true }
            state.buffer += bytes
            Self.decodeChunks(&state)
            Self.parseEvents(&state)
        }
    }

    private func takeEvent() -> Event? {
        state.withLock { state in
            Self.decodeChunks(&state)
            Self.parseEvents(&state)
            return state.events.isEmpty ? nil : state.events.removeFirst()
        }
    }

    private static func decodeChunks(_ state: inout State) {
        while !state.buffer.isEmpty {
            if state.inChunkData {
                let take = min(state.chunkRemaining, state.buffer.count)
                state.body += state.buffer[..<take]
                state.buffer.removeFirst(take)
                state.chunkRemaining -= take
                if state.chunkRemaining == 0 { state.inChunkData = false }
                continue
            }
            guard let end = state.buffer.firstRange(of: [13, 10]) else { return }
            let line = String(decoding: state.buffer[..<end.lowerBound], as: UTF8.self)
            state.buffer.removeFirst(end.upperBound)
            if line.isEmpty { continue }
            guard let size = Int(line.split(separator: ";")[0], radix: 16) else { continue }
            if size == 0 {
                state.finished = true
                return
            }
            state.chunkRemaining = size
            state.inChunkData = true
        }
    }

    private static func parseEvents(_ state: inout State) {
        while let newline = state.body.firstIndex(of: 10) {
            let line = String(decoding: state.body[..<newline], as: UTF8.self)
            state.body.removeFirst(newline + 1)
            if line.isEmpty {
                if state.fields.seen {
                    state.events.append(Event(event: state.fields.event ?? "message", id: state.fields.id,
                                              data: state.fields.data.joined(separator: "\n"), retry: state.fields.retry))
                }
                state.fields = (nil, nil, [], nil, false)
                continue
            }
            if line.hasPrefix(":") { continue }
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            var value = parts.count > 1 ? String(parts[1]) : ""
            if value.hasPrefix(" ") { value.removeFirst() }
            switch parts[0] {
            // As EventSource does: only a block with data is dispatched.
            case "event": state.fields.event = value
            case "id": state.fields.id = value
            case "data": state.fields.data.append(value); state.fields.seen = true
            case "retry": state.fields.retry = Int(value)
            default: break
            }
        }
    }

    private static func parseHead(_ head: String) throws -> (Int, [String: String]) {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw ClientError("bad status line \(statusLine)") }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { continue }
            fields[pair[0].lowercased()] = pair[1].drop(while: { $0 == " " }).description
        }
        return (status, fields)
    }
}

private func setTimeout(_ fd: Int32, seconds: Double) {
    var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
