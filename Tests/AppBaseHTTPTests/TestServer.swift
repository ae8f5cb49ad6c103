import AppBaseCore
import AppBaseHTTP
import AppBaseTestSupport
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension HTTPLimits {
    /// Limits for tests: timeouts long enough never to fire by accident (60 s: the whole suite
    /// runs in parallel and may take a minute on a slow, shared machine), small body and write
    /// buffers (64 KiB) so backpressure shows with modest sizes, a 1 s shutdown grace. A test of
    /// a timeout sets the one it tests.
    static func test(_ configure: (inout HTTPLimits) -> Void = { _ in }) -> HTTPLimits {
        var limits = HTTPLimits()
        limits.headerTimeoutMillis = 60_000
        limits.bodyStallTimeoutMillis = 60_000
        limits.idleTimeoutMillis = 60_000
        limits.writeStallTimeoutMillis = 60_000
        limits.shutdownGraceMillis = 1_000
        limits.bodyBufferBytes = 64 * 1024
        limits.writeBufferBytes = 64 * 1024
        configure(&limits)
        return limits
    }

    /// Test limits with the slowloris timeouts (header, body stall) at 300 ms. The idle timeout
    /// stays long: at 300 ms a loaded machine could close a fresh connection before its client
    /// got to send (tests of the idle timeout itself shorten it). Over TLS they are 5 s: the
    /// handshake must finish within the header timeout too, and a debug build's handshakes on a
    /// loaded 2-core machine (a build beside the whole suite) took longer than 300 ms, and once
    /// over 2 s on a busy CI machine.
    static func shortTimeouts(over transport: TestTransport = .plain,
                              _ configure: (inout HTTPLimits) -> Void = { _ in }) -> HTTPLimits {
        test { limits in
            let short: Int64 = transport.clientSpeaksTLS ? 5_000 : 300
            limits.headerTimeoutMillis = short
            limits.bodyStallTimeoutMillis = short
            configure(&limits)
        }
    }
}

/// A server on an ephemeral port of 127.0.0.1 with its own event loop and the test routes:
///
/// - `GET /health` — inline, `{"status":"ok"}`.
/// - `POST /echo` — streams the body back from the response producer (limit 1 MiB).
/// - `POST /echo-peek` — reads the first body chunk in the handler, then streams it and the rest back.
/// - `POST /collect` — collects the body with a 1 KiB limit and returns it (`X-Body-Length`).
/// - `GET|DELETE /items/:id` — small JSON answers (405 and pipelining tests).
/// - `GET /wait` — records `wait-started`, parks on `gate`, answers 200 once it opens.
/// - `GET /stream?chunks=N` — a chunked `.stream` of `part-i\n` lines.
/// - `GET /sse?n=N&hold=1` — N Server-Sent Events; with `hold`, parks on `gate` after the first.
/// - `GET /sse-forever` — one event, then parks until cancelled.
/// - `GET /short-stream`, `GET /long-stream` — streams that break their declared Content-Length.
/// - `GET /firehose?mib=N` — N MiB in 64 KiB writes, publishing progress in `firehoseBytes`.
/// - `POST /slow-upload` — parks on `gate` before reading the body, then counts it.
/// - `POST /watch-upload` — counts the body; records `upload-aborted cancelled=<bool>` on failure.
/// - `POST /paced-upload` — the same as a streaming upload (no overall deadline, a minimum rate).
/// - `POST /parked-upload` — a streaming upload that parks on `gate` before reading the body.
/// - `GET /file` — the test file with `.file` (sendfile), when the server was made with one.
///
/// `transport` says how clients reach it (`TestTransport`): `connect`, `exchange` and `get` speak
/// TLS when it is `.tls`, so a test written against them runs over every transport unchanged.
final class TestServer: Sendable {
    let loop: EventLoop
    let server: HTTPServer
    let port: Int
    let transport: TestTransport
    /// The identity clients trust when they speak TLS (nil for plain clients).
    private let clientTLS: TestTLS?
    /// What the handlers did, in order.
    let events: EventLog
    /// Released by the test: `/wait`, `/slow-upload`, `/sse?hold=1`.
    let gate: Gate
    /// Bytes the `/firehose` producer has had accepted by `write` so far.
    let firehoseBytes: Counter
    /// The content behind `/file` (empty when the server has no file).
    let fileContent: [UInt8]
    private let filePath: String?
    private let routes: RouteTable
    private let limits: HTTPLimits

    private init(loop: EventLoop, server: HTTPServer, port: Int, transport: TestTransport, clientTLS: TestTLS?, events: EventLog,
                 gate: Gate, firehoseBytes: Counter, fileContent: [UInt8], filePath: String?, routes: RouteTable, limits: HTTPLimits) {
        self.loop = loop
        self.server = server
        self.port = port
        self.transport = transport
        self.clientTLS = clientTLS
        self.events = events
        self.gate = gate
        self.firehoseBytes = firehoseBytes
        self.fileContent = fileContent
        self.filePath = filePath
        self.routes = routes
        self.limits = limits
    }

    /// Listens on another ephemeral port as a second app, `name`, with the same routes, and
    /// returns the port: per-app budgets and per-port shares tell the two apps apart.
    func listenAsApp(_ name: String) async throws -> Int {
        let router = Router(app: name, routes: routes, cors: CORSPolicy(), limits: limits, authenticator: nil,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await server.listen(host: "127.0.0.1", port: 0, dispatcher: router)
    }

    /// Starts a server. `fileSize` > 0 creates a temp file of seeded random bytes for `/file`;
    /// `transport` decides whether the server also speaks TLS and whether its clients do.
    static func start(limits: HTTPLimits = .test(), cors: CORSPolicy = CORSPolicy(), fileSize: Int = 0,
                      transport: TestTransport = .plain) async throws -> TestServer {
        let identity = try transport.serverSpeaksTLS ? TestTLS.identity() : nil
        let events = EventLog()
        let gate = Gate()
        var fileContent: [UInt8] = []
        var filePath: String?
        if fileSize > 0 {
            var generator = SeededGenerator(seed: UInt64(fileSize))
            fileContent = generator.bytes(fileSize)
            filePath = try writeTempFile(fileContent)
        }
        let progress = Counter()
        let routes = makeRoutes(events: events, gate: gate, progress: progress, filePath: filePath,
                                fileSize: Int64(fileSize))
        let loop = EventLoop(name: "test-loop")
        let server = HTTPServer(loop: loop, limits: limits, accessLog: AccessLog(enabled: false))
        if let identity { await server.setTLS(identity.sessionFactory) }
        let router = Router(app: "test", routes: routes, cors: cors, limits: limits, authenticator: nil,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port: Int
        do {
            port = try await server.listen(host: "127.0.0.1", port: 0, dispatcher: router)
        } catch {
            loop.stop()
            throw error
        }
        return TestServer(loop: loop, server: server, port: port, transport: transport,
                          clientTLS: transport.clientSpeaksTLS ? identity : nil, events: events, gate: gate,
                          firehoseBytes: progress, fileContent: fileContent, filePath: filePath, routes: routes, limits: limits)
    }

    /// Opens the gate (so parked handlers finish), shuts the server down and stops the loop.
    func stop() async {
        gate.open()
        await server.shutdown()
        loop.stop()
        if let filePath { unlink(filePath) }
    }

    /// A new raw connection to this server (to `port`, by default its own), over `transport`.
    func connect(port: Int? = nil, receiveBufferSize: Int? = nil, sendBufferSize: Int? = nil) async throws -> RawHTTPClient {
        try await RawHTTPClient.connect(port: port ?? self.port, receiveBufferSize: receiveBufferSize,
                                        sendBufferSize: sendBufferSize, tls: clientTLS)
    }

    /// One request on a fresh connection; returns the response.
    func exchange(_ request: [UInt8], method: String = "GET") async throws -> RawHTTPResponse {
        try await RawHTTPClient.exchange(port: port, pieces: [request], method: method, tls: clientTLS)
    }

    /// `pieces` sent one by one (`pause` between them) on a fresh connection; returns the response.
    func exchange(pieces: [[UInt8]], pause: Duration, method: String = "GET") async throws -> RawHTTPResponse {
        try await RawHTTPClient.exchange(port: port, pieces: pieces, pause: pause, method: method, tls: clientTLS)
    }

    /// `GET path` on a fresh connection.
    func get(_ path: String, headers: [(String, String)] = []) async throws -> RawHTTPResponse {
        try await exchange(RawRequest.make("GET", path, headers: headers))
    }

    func connectionCount() async -> Int { await server.connectionCount() }

    /// Waits until a fresh `GET /file` is answered 200 with the whole file (a download slot is free).
    func waitUntilFileIsServed(timeout: Duration = .seconds(15)) async -> Bool {
        await eventually(timeout: timeout) {
            guard let client = try? await self.connect() else { return false }
            try? await client.send(RawRequest.make("GET", "/file"))
            let response = try? await client.readResponse()
            await client.close()
            return response?.status == 200 && response?.body == self.fileContent
        }
    }

    /// Waits until the server's connection count is `expected`.
    func waitForConnectionCount(_ expected: Int, timeout: Duration = .seconds(15)) async -> Bool {
        await eventually(timeout: timeout) { await self.connectionCount() == expected }
    }

    private static func writeTempFile(_ bytes: [UInt8]) throws -> String {
        var template = Array("/tmp/appbase-httptests-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw AppBaseError.internalError(cause: "mkstemp failed: \(errno)") }
        defer { close(fd) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                raw.baseAddress.map { write(fd, $0 + offset, raw.count - offset) } ?? -1
            }
            guard written > 0 else { throw AppBaseError.internalError(cause: "write failed: \(errno)") }
            offset += written
        }
        return path
    }
}

/// A counter shared between a handler and the test.
final class Counter: Sendable {
    private let storage = Atomic<Int>(0)
    var value: Int { storage.load(ordering: .relaxed) }
    func store(_ value: Int) { storage.store(value, ordering: .relaxed) }
}

/// Runs `body` against a fresh server (reached over `transport`) and always stops it afterwards.
func withTestServer(limits: HTTPLimits = .test(), cors: CORSPolicy = CORSPolicy(), fileSize: Int = 0,
                    transport: TestTransport = .plain, _ body: (TestServer) async throws -> Void) async throws {
    let server = try await TestServer.start(limits: limits, cors: cors, fileSize: fileSize, transport: transport)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// The deterministic pattern `/big` answers with (up to 4 MiB; computed once).
func bigBody(_ size: Int) -> [UInt8] {
    Array(bigPattern.prefix(size))
}

private let bigPattern: [UInt8] = {
    var bytes = [UInt8](repeating: 0, count: 4 << 20)
    bytes.withUnsafeMutableBufferPointer { buffer in
        for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9) }
    }
    return bytes
}()

private func json(_ text: String, status: Int = 200) -> HTTPResponse {
    .json(status, Array(text.utf8))
}

private func streamResponse(contentType: String, contentLength: Int64? = nil,
                            _ producer: @escaping @Sendable (ResponseBodyWriter) async throws -> Void) -> HTTPResponse {
    HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", contentType)]),
                 body: .stream(contentLength: contentLength, producer: producer))
}

/// Counts an upload's body: records `upload-chunk` at the first chunk, `upload-complete` at the
/// end, `upload-aborted cancelled=<bool>` when the body fails.
private func countUpload(_ request: HTTPRequest, events: EventLog) async throws -> HTTPResponse {
    var total = 0
    do {
        for try await chunk in request.body {
            if total == 0 { events.record("upload-chunk") }
            total += chunk.count
        }
    } catch {
        events.record("upload-aborted cancelled=\(Task.isCancelled)")
        throw error
    }
    events.record("upload-complete")
    return json(#"{"bytes":\#(total)}"#)
}

private func makeRoutes(events: EventLog, gate: Gate, progress: Counter, filePath: String?,
                        fileSize: Int64) -> RouteTable {
    var routes = RouteTable()
    routes.addInline(.GET, "/health") { _, _ in json(#"{"status":"ok"}"#) }

    routes.add(.POST, "/echo", auth: .none, bodyLimit: 1 << 20) { request, _ in
        let body = request.body
        return streamResponse(contentType: "application/octet-stream", contentLength: request.contentLength) { writer in
            for try await chunk in body { try await writer.write(chunk) }
        }
    }

    routes.add(.POST, "/echo-peek", auth: .none, bodyLimit: 1 << 20) { request, _ in
        let body = request.body
        let first = try await body.next() ?? []
        return streamResponse(contentType: "application/octet-stream", contentLength: request.contentLength) { writer in
            try await writer.write(first)
            for try await chunk in body { try await writer.write(chunk) }
        }
    }

    routes.add(.POST, "/collect", auth: .none, bodyLimit: 1024) { request, _ in
        let bytes = try await request.body.collect(upTo: 1024)
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream"),
                                                                ("X-Body-Length", String(bytes.count))]),
                            body: .bytes(bytes))
    }

    routes.addInline(.GET, "/big") { request, _ in
        // A fixed body far larger than a socket buffer: the write path must queue the rest.
        let size = (Int(request.queryValue("kib") ?? "") ?? 1024) << 10
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                            body: .bytes(bigBody(size)))
    }

    routes.add(.GET, "/items/:id", auth: .none) { _, context in
        json(#"{"id":"\#(try context.parameter("id"))"}"#)
    }
    routes.add(.DELETE, "/items/:id", auth: .none) { _, context in
        json(#"{"deleted":"\#(try context.parameter("id"))"}"#)
    }

    routes.add(.GET, "/wait", auth: .none) { _, _ in
        events.record("wait-started")
        let opened = await gate.wait()
        events.record(opened ? "wait-released" : "wait-cancelled")
        return json(#"{"released":true}"#)
    }

    routes.add(.GET, "/stream", auth: .none) { request, _ in
        let count = Int(request.queryValue("chunks") ?? "") ?? 5
        return streamResponse(contentType: "text/plain") { writer in
            for index in 0..<count {
                try await writer.write(Array("part-\(index)\n".utf8))
                await Task.yield()
            }
        }
    }

    routes.add(.GET, "/sse", auth: .none) { request, _ in
        let count = Int(request.queryValue("n") ?? "") ?? 3
        let hold = request.queryValue("hold") == "1"
        var response = streamResponse(contentType: "text/event-stream") { writer in
            try await writer.write(ServerSentEvent.comment("hello"))
            for index in 1...count {
                if hold && index == 2 {
                    events.record("sse-holding")
                    guard await gate.wait() else { throw CancellationError() }
                }
                let event = ServerSentEvent(event: "tick", id: String(index),
                                            data: Array("{\"n\":\(index)}\nline two".utf8),
                                            retryMilliseconds: index == 1 ? 1500 : nil)
                try await writer.write(event.encoded())
            }
        }
        response.headers.set("Cache-Control", "no-cache")
        return response
    }

    routes.add(.GET, "/sse-forever", auth: .none) { _, _ in
        streamResponse(contentType: "text/event-stream") { writer in
            try await writer.write(ServerSentEvent(event: "hello", data: Array("{}".utf8)).encoded())
            events.record("forever-started")
            await Gate().wait()  // never opened: returns only when the request is cancelled
            events.record("forever-ended cancelled=\(Task.isCancelled)")
        }
    }

    routes.add(.GET, "/short-stream", auth: .none) { _, _ in
        // Declares 100 bytes, writes 10: a handler bug the connection must not turn into a
        // mis-framed keep-alive connection.
        streamResponse(contentType: "text/plain", contentLength: 100) { writer in
            try await writer.write(Array("0123456789".utf8))
        }
    }

    routes.add(.GET, "/long-stream", auth: .none) { _, _ in
        streamResponse(contentType: "text/plain", contentLength: 5) { writer in
            try await writer.write(Array("01234".utf8))
            do {
                try await writer.write(Array("56789".utf8))
                events.record("long-stream-overran")
            } catch {
                events.record("long-stream-refused")
                throw error
            }
        }
    }

    routes.add(.GET, "/firehose", auth: .none) { request, _ in
        let total = (Int(request.queryValue("mib") ?? "") ?? 32) << 20
        return streamResponse(contentType: "application/octet-stream") { writer in
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var written = 0
            do {
                while written < total {
                    try await writer.write(chunk)
                    written += chunk.count
                    progress.store(written)
                }
            } catch {
                events.record("firehose-failed")
                throw error
            }
            events.record("firehose-done")
        }
    }

    routes.add(.POST, "/slow-upload", auth: .none, bodyLimit: 256 << 20) { request, _ in
        events.record("slow-upload-started")
        await gate.wait()
        var total = 0
        for try await chunk in request.body { total += chunk.count }
        return json(#"{"bytes":\#(total)}"#)
    }

    routes.add(.POST, "/watch-upload", auth: .none, bodyLimit: 256 << 20) { request, _ in
        try await countUpload(request, events: events)
    }

    routes.add(.POST, "/paced-upload", auth: .none, bodyLimit: 256 << 20, bodyPace: .streamingUpload) { request, _ in
        try await countUpload(request, events: events)
    }

    routes.add(.POST, "/parked-upload", auth: .none, bodyLimit: 256 << 20, bodyPace: .streamingUpload) { request, _ in
        events.record("parked-upload-started")
        await gate.wait()
        return try await countUpload(request, events: events)
    }

    routes.add(.GET, "/file", auth: .none) { _, _ in
        guard let filePath else { throw AppBaseError.notFound("No test file.") }
        let fd = open(filePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AppBaseError.internalError(cause: "open failed: \(errno)") }
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                            body: .file(FileBody(descriptor: OwnedFileDescriptor(fd), offset: 0, length: fileSize)))
    }
    return routes
}
