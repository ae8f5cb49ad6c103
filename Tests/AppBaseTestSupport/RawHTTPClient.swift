import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// Why a raw client operation failed.
public enum RawHTTPClientError: Error, Sendable, CustomStringConvertible {
    /// `connect` failed (`ECONNREFUSED` once the server stopped listening).
    case connectFailed(errno: Int32)
    /// The deadline passed; `received` holds the unread bytes at that moment.
    case timedOut(String, received: [UInt8])
    /// The server closed the connection before the expected data arrived.
    case closedByPeer(String, received: [UInt8])
    /// `send` failed after `bytesSent` bytes (typically `EPIPE`/`ECONNRESET`: the server closed).
    case sendFailed(errno: Int32, bytesSent: Int)
    /// The bytes received are not a well-formed HTTP/1.x response.
    case malformedResponse(String)
    /// Any other failing system call.
    case system(String, errno: Int32)
    /// The TLS layer failed: a handshake the client refused, or bytes that are not TLS records.
    case tls(String)

    public var description: String {
        func preview(_ bytes: [UInt8]) -> String {
            let text = String(decoding: bytes.prefix(200), as: UTF8.self)
            return bytes.isEmpty ? "nothing" : "\(bytes.count) bytes: \(text.debugDescription)"
        }
        switch self {
        case .connectFailed(let error): return "connect failed: \(String(cString: strerror(error)))"
        case .timedOut(let what, let received): return "timed out \(what) (received \(preview(received)))"
        case .closedByPeer(let what, let received): return "server closed the connection \(what) (received \(preview(received)))"
        case .sendFailed(let error, let sent): return "send failed after \(sent) bytes: \(String(cString: strerror(error)))"
        case .malformedResponse(let reason): return "malformed response: \(reason)"
        case .system(let call, let error): return "\(call) failed: \(String(cString: strerror(error)))"
        case .tls(let reason): return "TLS: \(reason)"
        }
    }

    /// True for `connectFailed(ECONNREFUSED)`.
    public var isConnectionRefused: Bool {
        if case .connectFailed(let error) = self { return error == ECONNREFUSED }
        return false
    }
}

/// How the server ended a connection.
public enum PeerClose: Sendable, Equatable {
    /// An orderly FIN (`read` returned 0).
    case endOfStream
    /// `ECONNRESET`.
    case reset
}

/// What `waitForClose` saw.
public enum CloseObservation: Sendable {
    /// The server closed; `trailing` holds bytes that arrived (and were unread) before the close.
    case closed(PeerClose, trailing: [UInt8])
    /// Still open at the deadline; `received` holds the unread bytes.
    case stillOpen(received: [UInt8])

    /// True for `.closed`.
    public var isClosed: Bool {
        if case .closed = self { return true }
        return false
    }
}

/// A minimal HTTP/1.1 client over a raw TCP socket, for tests that need byte-level control:
/// pipelining, partial and malformed requests, slow senders and readers, abrupt disconnects —
/// in plain HTTP or inside TLS (`TLSClientChannel`, trusting the test CA), byte for byte the same.
///
/// The socket is non-blocking; every wait goes through a shared poll thread
/// (`SocketReactor`) with a deadline, so no call blocks Swift's cooperative pool and none can
/// hang. Received bytes are kept in an inbox, so several pipelined responses can be read one
/// after another. An actor: use one client from one task at a time.
public actor RawHTTPClient {
    /// Deadline used when a call does not pass one. It only bounds a hang ("the answer never
    /// came"), so it is generous: a loaded, 3× slower machine must never reach it.
    public static let defaultTimeout: Duration = .seconds(15)

    /// The server port this client is connected to.
    public let port: Int
    private var descriptor: Int32
    /// Set once the TLS handshake finished: every byte then goes through it.
    private var tls: TLSClientChannel?
    private var inbox: [UInt8] = []
    private var inboxStart = 0
    private var peerClose: PeerClose?
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    private init(port: Int, descriptor: Int32) {
        self.port = port
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    // MARK: Connecting and closing

    /// Connects to `host:port`.
    /// - Parameters:
    ///   - receiveBufferSize: `SO_RCVBUF` set before connecting (a small value makes a slow
    ///     reader's backlog small and fixed, for backpressure tests).
    ///   - sendBufferSize: `SO_SNDBUF` set before connecting.
    ///   - tls: when set, a TLS handshake (SNI and the verified name `TestTLS.serverName`) follows.
    /// - Throws: `RawHTTPClientError.connectFailed` (e.g. refused), `.timedOut`, or `.tls`.
    public static func connect(port: Int, host: String = "127.0.0.1", receiveBufferSize: Int? = nil,
                               sendBufferSize: Int? = nil, tls: TestTLS? = nil,
                               timeout: Duration = defaultTimeout) async throws -> RawHTTPClient {
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_INET, socketType, 0)
        guard fd >= 0 else { throw RawHTTPClientError.system("socket", errno: errno) }
        do {
            if let receiveBufferSize { try setOption(fd, SOL_SOCKET, SO_RCVBUF, Int32(receiveBufferSize)) }
            if let sendBufferSize { try setOption(fd, SOL_SOCKET, SO_SNDBUF, Int32(sendBufferSize)) }
            try setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
                throw RawHTTPClientError.system("inet_pton(\(host))", errno: EINVAL)
            }
            let result = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if result != 0 {
                let error = errno
                guard error == EINPROGRESS || error == EINTR else { throw RawHTTPClientError.connectFailed(errno: error) }
                let outcome = await SocketReactor.shared.wait(for: fd, events: Int16(POLLOUT), until: .now + timeout)
                guard outcome == .ready else { throw RawHTTPClientError.timedOut("connecting to port \(port)", received: []) }
                var socketError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0 else {
                    throw RawHTTPClientError.system("getsockopt(SO_ERROR)", errno: errno)
                }
                if socketError != 0 { throw RawHTTPClientError.connectFailed(errno: socketError) }
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
        let client = RawHTTPClient(port: port, descriptor: fd)
        if let tls { try await client.startTLS(tls, deadline: .now + timeout) }
        return client
    }

    /// Runs the TLS handshake; from then on every byte goes through TLS.
    private func startTLS(_ identity: TestTLS, deadline: ContinuousClock.Instant) async throws {
        let channel = try TLSClientChannel(descriptor: descriptor, identity: identity)
        // Bounded by the deadline: each wait ends at it.
        while true {
            switch channel.handshake() {
            case .done:
                tls = channel
                return
            case .wait(let events):
                if await SocketReactor.shared.wait(for: descriptor, events: events, until: deadline) == .timedOut {
                    throw RawHTTPClientError.timedOut("in the TLS handshake", received: [])
                }
            case .closed(let how):
                throw RawHTTPClientError.closedByPeer("in the TLS handshake (\(how))", received: [])
            case .failed(let reason):
                throw RawHTTPClientError.tls("handshake failed: \(reason)")
            }
        }
    }

    /// What the TLS handshake settled on, or nil over plain TCP.
    public var tlsNegotiated: TLSNegotiated? { tls?.negotiated }

    private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw RawHTTPClientError.system("setsockopt(\(name))", errno: errno)
        }
    }

    /// Closes the socket normally (FIN; over TLS without `close_notify`, as a client that just
    /// goes away). Idempotent.
    public func close() {
        guard descriptor >= 0 else { return }
        tls = nil
        Glibc.close(descriptor)
        descriptor = -1
    }

    /// Closes the socket abortively: `SO_LINGER` 0 makes the kernel send RST, as when a client
    /// process dies or a network path breaks.
    public func reset() {
        guard descriptor >= 0 else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    /// Half-closes: sends FIN but keeps reading (over TLS, `close_notify` first).
    public func shutdownWrite() {
        guard descriptor >= 0 else { return }
        tls?.sendCloseNotify()
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// How the server closed the connection, once a read has seen it.
    public var closedByPeer: PeerClose? { peerClose }

    // MARK: Sending

    /// Sends every byte, waiting for socket space up to the deadline.
    /// - Throws: `.sendFailed` when the server closed, `.timedOut` when it stopped reading.
    public func send(_ bytes: [UInt8], timeout: Duration = defaultTimeout) async throws {
        let sent = try await sendBytes(bytes[...], deadline: .now + timeout, stall: nil)
        if sent < bytes.count {
            throw RawHTTPClientError.timedOut("sending (\(sent) of \(bytes.count) bytes written)", received: unread)
        }
    }

    /// Sends text as UTF-8.
    public func send(_ text: String, timeout: Duration = defaultTimeout) async throws {
        try await send(Array(text.utf8), timeout: timeout)
    }

    /// Sends `pieces` one by one with `pause` between them (a slow, fragmenting client).
    public func send(pieces: [[UInt8]], pause: Duration, timeout: Duration = defaultTimeout) async throws {
        for (index, piece) in pieces.enumerated() {
            if index > 0 { try await Task.sleep(for: pause) }
            try await send(piece, timeout: timeout)
        }
    }

    /// Sends as much of `bytes` as the connection accepts, returning the count once the socket
    /// has stayed full for `stall` (the server stopped reading) or everything was sent.
    /// - Throws: `.sendFailed` when the server closed; `.timedOut` after `timeout` overall.
    public func sendUntilStalled(_ bytes: ArraySlice<UInt8>, stall: Duration,
                                 timeout: Duration = .seconds(10)) async throws -> Int {
        try await sendBytes(bytes, deadline: .now + timeout, stall: stall)
    }

    private func sendBytes(_ bytes: ArraySlice<UInt8>, deadline: ContinuousClock.Instant, stall: Duration?) async throws -> Int {
        guard descriptor >= 0 else { throw RawHTTPClientError.system("send on a closed client", errno: EBADF) }
        var offset = 0
        while offset < bytes.count {
            let fd = descriptor
            var events = Int16(POLLOUT)
            if let tls {
                switch bytes.withUnsafeBytes({ tls.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
                case .done(let count):
                    offset += count
                    continue
                case .wait(let needed):
                    events = needed
                case .closed:
                    throw RawHTTPClientError.sendFailed(errno: EPIPE, bytesSent: offset)
                case .failed(let reason):
                    throw RawHTTPClientError.tls("sending: \(reason)")
                }
            } else {
                let written = bytes.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return Glibc.send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
                if written > 0 {
                    offset += written
                    continue
                }
                let error = errno
                if written < 0 && error == EINTR { continue }
                guard written < 0 && (error == EAGAIN || error == EWOULDBLOCK) else {
                    throw RawHTTPClientError.sendFailed(errno: error, bytesSent: offset)
                }
            }
            var until = deadline
            if let stall { until = min(deadline, .now + stall) }
            let outcome = await SocketReactor.shared.wait(for: fd, events: events, until: until)
            if outcome == .timedOut {
                if stall != nil && ContinuousClock.now < deadline { return offset }
                throw RawHTTPClientError.timedOut("sending (\(offset) of \(bytes.count) bytes written)", received: unread)
            }
        }
        return offset
    }

    // MARK: Reading responses

    /// Reads one response (interim 1xx responses are returned on their own).
    /// - Parameter method: the request's method; HEAD responses have no body.
    public func readResponse(method: String = "GET", timeout: Duration = defaultTimeout) async throws -> RawHTTPResponse {
        let deadline = ContinuousClock.now + timeout
        var response = try await readHead(deadline: deadline)
        try await readBody(into: &response, method: method, deadline: deadline)
        return response
    }

    /// Reads responses until a final (non-1xx) one, returning the interim ones too, in order.
    public func readFinalResponse(method: String = "GET",
                                  timeout: Duration = defaultTimeout) async throws -> (interim: [RawHTTPResponse], final: RawHTTPResponse) {
        let deadline = ContinuousClock.now + timeout
        var interim: [RawHTTPResponse] = []
        while true {
            var response = try await readHead(deadline: deadline)
            try await readBody(into: &response, method: method, deadline: deadline)
            if (100..<200).contains(response.status) {
                interim.append(response)
            } else {
                return (interim, response)
            }
        }
    }

    /// Reads one response per method in `methods` (pipelined requests), in order.
    public func readResponses(methods: [String], timeout: Duration = defaultTimeout) async throws -> [RawHTTPResponse] {
        var responses: [RawHTTPResponse] = []
        for method in methods { responses.append(try await readResponse(method: method, timeout: timeout)) }
        return responses
    }

    /// Reads a status line and header block only; the body (if any) stays unread, for
    /// `readChunk`, `readBytes` or `readBody`.
    public func readHead(timeout: Duration = defaultTimeout) async throws -> RawHTTPResponse {
        try await readHead(deadline: .now + timeout)
    }

    /// Reads the body belonging to `head` (framing from its headers) and returns the whole response.
    public func readBody(of head: RawHTTPResponse, method: String = "GET",
                         timeout: Duration = defaultTimeout) async throws -> RawHTTPResponse {
        var response = head
        try await readBody(into: &response, method: method, deadline: .now + timeout)
        return response
    }

    /// Reads the next chunk of a chunked body whose head was read with `readHead`.
    /// Returns nil at the last chunk (after consuming trailers).
    public func readChunk(timeout: Duration = defaultTimeout) async throws -> [UInt8]? {
        try await readChunk(deadline: .now + timeout)
    }

    /// Reads exactly `count` bytes.
    public func readBytes(_ count: Int, timeout: Duration = defaultTimeout) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        try await require(count, deadline: deadline, what: "reading \(count) bytes")
        return take(count)
    }

    /// Returns what is buffered, or waits for at least one byte. Empty once the server closed.
    public func readAvailable(timeout: Duration = defaultTimeout) async throws -> [UInt8] {
        if unreadCount == 0 {
            _ = try await fill(deadline: .now + timeout, what: "waiting for data")
        }
        return take(unreadCount)
    }

    /// Reads until the server closes the connection and returns everything received.
    /// - Throws: `.timedOut` when it is still open at the deadline.
    public func readUntilClosed(timeout: Duration = defaultTimeout) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while try await fill(deadline: deadline, what: "waiting for the server to close") {}
        return take(unreadCount)
    }

    /// Waits up to `timeout` for the server to close the connection, collecting any bytes that
    /// arrive meanwhile. Never throws: a deadline just reports `.stillOpen`.
    public func waitForClose(timeout: Duration = defaultTimeout) async -> CloseObservation {
        let deadline = ContinuousClock.now + timeout
        do {
            while try await fill(deadline: deadline, what: "waiting for close") {}
        } catch {
            return .stillOpen(received: take(unreadCount))
        }
        return .closed(peerClose ?? .endOfStream, trailing: take(unreadCount))
    }

    // MARK: Parsing

    private func readHead(deadline: ContinuousClock.Instant) async throws -> RawHTTPResponse {
        let statusLine = try await readLine(deadline: deadline, what: "reading the status line")
        let text = String(decoding: statusLine, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw RawHTTPClientError.malformedResponse("status line \(text.debugDescription)")
        }
        var headers: [RawHTTPHeader] = []
        while true {
            let line = try await readLine(deadline: deadline, what: "reading response headers")
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw RawHTTPClientError.malformedResponse("header line \(String(decoding: line, as: UTF8.self).debugDescription)")
            }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            headers.append(RawHTTPHeader(name: name, value: value))
        }
        return RawHTTPResponse(version: String(parts[0]), status: status,
                               reason: parts.count > 2 ? String(parts[2]) : "", headers: headers)
    }

    private func readBody(into response: inout RawHTTPResponse, method: String, deadline: ContinuousClock.Instant) async throws {
        if RawHTTPResponse.bodyless(status: response.status, method: method) { return }
        if response.isChunked {
            var body: [UInt8] = []
            var chunks = 0
            while let chunk = try await readChunk(deadline: deadline) {
                body += chunk
                chunks += 1
            }
            response.body = body
            response.chunkCount = chunks
        } else if let lengthText = response.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else {
                throw RawHTTPClientError.malformedResponse("Content-Length \(lengthText.debugDescription)")
            }
            try await require(length, deadline: deadline, what: "reading a \(length)-byte body")
            response.body = take(length)
        } else {
            // Delimited by the server closing the connection.
            while try await fill(deadline: deadline, what: "reading a close-delimited body") {}
            response.body = take(unreadCount)
        }
    }

    private func readChunk(deadline: ContinuousClock.Instant) async throws -> [UInt8]? {
        let sizeLine = try await readLine(deadline: deadline, what: "reading a chunk size")
        let sizeText = String(decoding: sizeLine, as: UTF8.self)
        let digits = sizeText.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let size = Int(digits.trimmingSpaces(), radix: 16), size >= 0 else {
            throw RawHTTPClientError.malformedResponse("chunk size line \(sizeText.debugDescription)")
        }
        if size == 0 {
            while try await !readLine(deadline: deadline, what: "reading trailers").isEmpty {}
            return nil
        }
        try await require(size + 2, deadline: deadline, what: "reading a \(size)-byte chunk")
        let chunk = take(size)
        guard take(2) == [13, 10] else { throw RawHTTPClientError.malformedResponse("chunk not followed by CRLF") }
        return chunk
    }

    // MARK: Inbox

    private var unreadCount: Int { inbox.count - inboxStart }
    private var unread: [UInt8] { Array(inbox[inboxStart...]) }

    private func take(_ count: Int) -> [UInt8] {
        let bytes = Array(inbox[inboxStart..<(inboxStart + count)])
        inboxStart += count
        if inboxStart == inbox.count {
            inbox.removeAll(keepingCapacity: true)
            inboxStart = 0
        } else if inboxStart > 256 * 1024 {
            inbox.removeFirst(inboxStart)
            inboxStart = 0
        }
        return bytes
    }

    /// Ensures `count` unread bytes are buffered.
    private func require(_ count: Int, deadline: ContinuousClock.Instant, what: String) async throws {
        while unreadCount < count {
            guard try await fill(deadline: deadline, what: what) else {
                throw RawHTTPClientError.closedByPeer("while \(what)", received: unread)
            }
        }
    }

    /// One line without its CRLF (or bare LF).
    private func readLine(deadline: ContinuousClock.Instant, what: String) async throws -> [UInt8] {
        var searchFrom = inboxStart
        while true {
            if let newline = inbox[searchFrom...].firstIndex(of: 10) {
                var line = Array(inbox[inboxStart..<newline])
                if line.last == 13 { line.removeLast() }
                _ = take(newline + 1 - inboxStart)
                return line
            }
            searchFrom = inbox.count
            guard unreadCount < 1 << 20 else { throw RawHTTPClientError.malformedResponse("line longer than 1 MiB") }
            guard try await fill(deadline: deadline, what: what) else {
                throw RawHTTPClientError.closedByPeer("while \(what)", received: unread)
            }
        }
    }

    /// Reads once from the socket into the inbox. Returns false when the server has closed.
    /// - Throws: `.timedOut` at the deadline.
    private func fill(deadline: ContinuousClock.Instant, what: String) async throws -> Bool {
        if peerClose != nil { return false }
        guard descriptor >= 0 else { throw RawHTTPClientError.system("read on a closed client", errno: EBADF) }
        if let tls { return try await fillTLS(tls, deadline: deadline, what: what) }
        while true {
            let fd = descriptor
            let count = scratch.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress, raw.count, 0) }
            if count > 0 {
                inbox.append(contentsOf: scratch[0..<count])
                return true
            }
            if count == 0 {
                peerClose = .endOfStream
                return false
            }
            let error = errno
            switch error {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                let outcome = await SocketReactor.shared.wait(for: fd, events: Int16(POLLIN), until: deadline)
                if outcome == .timedOut { throw RawHTTPClientError.timedOut(what, received: unread) }
            case ECONNRESET, EPIPE:
                peerClose = .reset
                return false
            default:
                throw RawHTTPClientError.system("recv", errno: error)
            }
        }
    }
}

extension RawHTTPClient {
    /// `fill` over TLS: decrypted bytes into the inbox; waits for the readiness OpenSSL asks for.
    private func fillTLS(_ tls: TLSClientChannel, deadline: ContinuousClock.Instant, what: String) async throws -> Bool {
        while true {
            switch scratch.withUnsafeMutableBytes({ tls.read(into: $0) }) {
            case .done(let count):
                inbox.append(contentsOf: scratch[0..<count])
                return true
            case .wait(let events):
                if await SocketReactor.shared.wait(for: descriptor, events: events, until: deadline) == .timedOut {
                    throw RawHTTPClientError.timedOut(what, received: unread)
                }
            case .closed(let how):
                peerClose = how
                return false
            case .failed(let reason):
                throw RawHTTPClientError.tls("\(what): \(reason)")
            }
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
