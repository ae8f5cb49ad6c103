import AppBaseCore
import AppBaseHTTP
import AppBaseTestSupport
import Testing

/// One client, one app, cannot starve the others: per-address and per-port connection slots,
/// request deadlines that trickling bytes do not extend, download slots per app.
@Suite("Connection slots, request deadlines and download budgets", .timeLimit(.minutes(3)))
struct AdmissionTests {
    /// Opens a connection whose request parks in its handler (`/wait`), and waits until the
    /// handler runs: the connection is busy, not idle, so it cannot be reaped to make room.
    private static func occupy(_ server: TestServer, port: Int? = nil) async throws -> RawHTTPClient {
        let started = server.events.count(of: "wait-started")
        let client = try await server.connect(port: port)
        try await client.send(RawRequest.make("GET", "/wait"))
        #expect(await server.events.wait(for: "wait-started", occurrences: started + 1))
        return client
    }

    private static func health(_ server: TestServer, _ port: Int) async throws -> Int {
        let client = try await server.connect(port: port)
        try? await client.send(RawRequest.make("GET", "/health"))
        let status = try await client.readResponse().status
        await client.close()
        return status
    }

    @Test("one address holds at most its share of one port; the other app's port still lets it in", arguments: TestTransport.allCases)
    func perAddressPerPort(transport: TestTransport) async throws {
        try await withTestServer(limits: .test { $0.maxConnectionsPerAddressPerPort = 2 }, transport: transport) { server in
            let other = try await server.listenAsApp("other")
            let held = [try await Self.occupy(server), try await Self.occupy(server)]
            #expect(try await Self.health(server, server.port) == 503)
            #expect(try await Self.health(server, other) == 200)
            for client in held { await client.close() }
        }
    }

    @Test("one address holds at most its share over every port", arguments: [TestTransport.plain, .tls])
    func perAddressTotal(transport: TestTransport) async throws {
        try await withTestServer(limits: .test { $0.maxConnectionsPerAddress = 3 }, transport: transport) { server in
            let other = try await server.listenAsApp("other")
            let held = [try await Self.occupy(server), try await Self.occupy(server), try await Self.occupy(server, port: other)]
            let refused = try await server.connect(port: other)
            let answer = try await refused.readResponse()
            #expect(answer.status == 503)
            #expect(answer.errorCode == "server_busy")
            // A reset (a FIN would still wait for the parked request's answer) frees its slot.
            await held[0].reset()
            #expect(await eventually { (try? await Self.health(server, other)) == 200 })
            for client in held { await client.close() }
        }
    }

    @Test("a flood at one port leaves every other port its reserved slots", arguments: TestTransport.allCases)
    func portReserve(transport: TestTransport) async throws {
        let limits = HTTPLimits.test {
            $0.maxConnections = 6
            $0.reservedConnectionsPerPort = 3
        }
        try await withTestServer(limits: limits, transport: transport) { server in
            let other = try await server.listenAsApp("other")
            var flood: [RawHTTPClient] = []
            for _ in 0..<3 { flood.append(try await Self.occupy(server)) }
            // The flooded port has its own 3; the other port's 3 are kept for it.
            #expect(try await Self.health(server, server.port) == 503)
            var others: [RawHTTPClient] = []
            for _ in 0..<2 { others.append(try await Self.occupy(server, port: other)) }
            #expect(try await Self.health(server, other) == 200)
            for client in flood + others { await client.close() }
        }
    }

    @Test("a body trickling a byte at a time cannot outlive the request deadline: 408 and close", arguments: TestTransport.allCases)
    func requestDeadline(transport: TestTransport) async throws {
        try await withTestServer(limits: .test { $0.requestTimeoutMillis = 300 }, transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/collect", headers: [("Content-Length", "1000")]))
            // Each byte arrives well within the body-stall timeout (60 s here): only the overall
            // deadline can end this request.
            try? await client.send(pieces: Array(repeating: [0x61], count: 16), pause: .milliseconds(50))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 408)
            #expect(response.errorCode == "request_timeout")
            #expect(response.closesConnection)
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("an answer decided before the body (404) does not wait for a slow small body: it goes out and the connection closes", arguments: TestTransport.allCases)
    func earlyAnswerDoesNotWait(transport: TestTransport) async throws {
        try await withTestServer(limits: .test { $0.earlyAnswerWaitMillis = 200 }, transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/nowhere", headers: [("Content-Length", "1000")])
                + [UInt8](repeating: 0x61, count: 10))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 404)
            #expect(response.closesConnection)
            #expect(await client.waitForClose().isClosed)
        }
    }

    /// A minimum rate of 10 KB/s averaged over `window`.
    private static func paced(window: Int64) -> HTTPLimits {
        HTTPLimits.test {
            $0.minimumTransferRate = 10_000
            $0.minimumRateWindowMillis = window
        }
    }

    @Test("a streaming upload below the minimum rate is ended with 408; the handler sees its body fail", arguments: TestTransport.allCases)
    func uploadMinimumRate(transport: TestTransport) async throws {
        try await withTestServer(limits: Self.paced(window: 300), transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/paced-upload", headers: [("Content-Length", "1000000")]))
            // About 2 KB/s: far below 10 KB/s.
            try? await client.send(pieces: Array(repeating: [UInt8](repeating: 0x62, count: 100), count: 16),
                                   pause: .milliseconds(50))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 408)
            #expect(response.errorCode == "request_timeout")
            #expect(await server.events.wait(for: "upload-aborted cancelled=true"), "handler saw: \(server.events.events)")
        }
    }

    @Test("a streaming upload the server is not reading yet is not held against the client", arguments: TestTransport.allCases)
    func uploadPausedByServerIsNotSlow(transport: TestTransport) async throws {
        try await withTestServer(limits: Self.paced(window: 100), transport: transport) { server in
            let client = try await server.connect()
            let size = 4 << 20
            // Send at once, until the socket stalls: the server stops reading when its body
            // buffer is full (the handler has not asked for the body). Then several rate windows
            // pass with nothing moving.
            let head = RawRequest.make("POST", "/parked-upload", headers: [("Content-Length", String(size))])
            let body = [UInt8](repeating: 0x63, count: size)
            let sent = try await client.sendUntilStalled((head + body)[...], stall: .milliseconds(500)) - head.count
            #expect(await server.events.wait(for: "parked-upload-started"))
            server.gate.open()
            try await client.send([UInt8](repeating: 0x63, count: size - sent))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 200)
            #expect(response.json["bytes"]?.intValue == Int64(size))
        }
    }

    @Test("a download slower than the minimum rate is ended and its slot given back", arguments: TestTransport.allCases)
    func downloadMinimumRate(transport: TestTransport) async throws {
        let size = 32 << 20
        let limits = HTTPLimits.test {
            $0.maxConcurrentFileResponses = 1
            $0.minimumTransferRate = 4 << 20
            $0.minimumRateWindowMillis = 300
        }
        try await withTestServer(limits: limits, fileSize: size, transport: transport) { server in
            let slow = try await server.connect(receiveBufferSize: 16 * 1024)
            try await slow.send(RawRequest.make("GET", "/file"))
            #expect(try await slow.readHead().status == 200)
            // `slow` reads nothing: within a window or two its transfer is ended and the only
            // download slot is free again.
            let servedAgain = await server.waitUntilFileIsServed(timeout: .seconds(30))
            #expect(servedAgain)
            let received = (try? await slow.readUntilClosed(timeout: .seconds(30)))?.count ?? 0
            #expect(received < size, "the slow reader's transfer was not ended")
            #expect(await slow.closedByPeer != nil)
        }
    }

    @Test("one app's slow readers hold only its own download slots; another app's download is served", arguments: TestTransport.allCases)
    func downloadSlotsPerApp(transport: TestTransport) async throws {
        let size = 32 << 20
        let limits = HTTPLimits.test {
            $0.maxConcurrentFileResponses = 4
            $0.maxConcurrentFileResponsesPerApp = 1
        }
        try await withTestServer(limits: limits, fileSize: size, transport: transport) { server in
            let other = try await server.listenAsApp("other")
            let slow = try await server.connect(receiveBufferSize: 16 * 1024)
            try await slow.send(RawRequest.make("GET", "/file"))
            #expect(try await slow.readHead().status == 200)
            // Same app: its one slot is held.
            let sameApp = try await server.connect()
            try await sameApp.send(RawRequest.make("GET", "/file"))
            let refused = try await sameApp.readResponse()
            #expect(refused.status == 503)
            #expect(refused.errorCode == "server_busy")
            // The other app: served in full.
            let otherApp = try await server.connect(port: other)
            try await otherApp.send(RawRequest.make("GET", "/file"))
            let served = try await otherApp.readResponse(timeout: .seconds(60))
            #expect(served.status == 200)
            #expect(served.body == server.fileContent)
            await slow.close()
            await otherApp.close()
        }
    }
}
