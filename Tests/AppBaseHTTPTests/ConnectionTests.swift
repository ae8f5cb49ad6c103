import AppBaseHTTP
import AppBaseTestSupport
import Testing

@Suite("Connection cap and disconnects", .timeLimit(.minutes(3)))
struct ConnectionTests {
    @Test("past the cap, the oldest idle connection is reaped to make room; with none idle, 503 server_busy; capacity returns", arguments: [TestTransport.plain, .tls])
    func connectionCap(transport: TestTransport) async throws {
        try await withTestServer(limits: .test { $0.maxConnections = 3 }, transport: transport) { server in
            var clients: [RawHTTPClient] = []
            for _ in 0..<3 {
                let client = try await server.connect()
                try await client.send(RawRequest.make("GET", "/health"))
                #expect(try await client.readResponse().status == 200)
                clients.append(client)
            }
            #expect(await server.connectionCount() == 3)

            // All three are idle: the newcomer takes the oldest one's slot.
            let newcomer = try await server.connect()
            try await newcomer.send(RawRequest.make("GET", "/health"))
            #expect(try await newcomer.readResponse().status == 200)
            #expect(await clients[0].waitForClose().isClosed, "the oldest idle connection was not reaped")
            try await clients[1].send(RawRequest.make("GET", "/health"))
            #expect(try await clients[1].readResponse().status == 200)

            // Now none is idle (each is in the middle of a request head): the next one is refused.
            let busy = [clients[1], clients[2], newcomer]
            for client in busy { try await client.send(Array("GET /health HTTP/1.1\r\nHost: x\r\n".utf8)) }
            let extra = try await server.connect()
            let refused = try await extra.readResponse()
            #expect(refused.status == 503)
            #expect(refused.errorCode == "server_busy")
            #expect(refused.header("Retry-After") == "1")
            #expect(refused.header("X-Request-Id") == refused.errorRequestID)
            #expect(refused.closesConnection)
            #expect(await extra.waitForClose().isClosed)

            // A refused client that had already sent its request gets the same answer.
            let eager = try await server.connect()
            try? await eager.send(RawRequest.make("GET", "/health"))
            #expect(try await eager.readResponse().status == 503)

            // The busy connections are unaffected: their requests complete.
            for client in busy {
                try await client.send(Array("\r\n".utf8))
                #expect(try await client.readResponse().status == 200)
            }

            // Closing one gives its slot back.
            await busy[0].close()
            #expect(await server.waitForConnectionCount(2))
            let fresh = try await server.connect()
            try await fresh.send(RawRequest.make("GET", "/health"))
            #expect(try await fresh.readResponse().status == 200)
            for client in clients + [newcomer, fresh] { await client.close() }
        }
    }

    @Test("a client that vanishes mid-body cancels the handler and frees the connection", arguments: [false, true], TestTransport.allCases)
    func disconnectMidBody(abortive: Bool, transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let before = await server.connectionCount()
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/watch-upload", headers: [("Content-Length", "1000000")])
                + [UInt8](repeating: 7, count: 10_000))
            #expect(await server.events.wait(for: "upload-chunk"))
            if abortive { await client.reset() } else { await client.close() }
            #expect(await server.events.wait(for: "upload-aborted cancelled=true"),
                    "handler saw: \(server.events.events)")
            #expect(await server.waitForConnectionCount(before))
        }
    }

    @Test("a client that resets while its handler waits cancels the handler", arguments: TestTransport.allCases)
    func disconnectWhileWaiting(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/wait"))
            #expect(await server.events.wait(for: "wait-started"))
            await client.reset()
            #expect(await server.events.wait(for: "wait-cancelled"))
            #expect(await server.waitForConnectionCount(0))
        }
    }

    @Test("a complete request followed by a half-close (SHUT_WR) is answered, then the connection closes", arguments: TestTransport.allCases)
    func halfCloseAfterCompleteRequest(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/wait"))
            #expect(await server.events.wait(for: "wait-started"))
            await client.shutdownWrite()
            server.gate.open()
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(!server.events.events.contains("wait-cancelled"))
            #expect(await client.waitForClose().isClosed)
            #expect(await server.waitForConnectionCount(0))

            // A body that is complete when the FIN arrives is applied and answered too.
            let uploader = try await server.connect()
            try await uploader.send(RawRequest.make("POST", "/collect", headers: [("Content-Length", "5")]) + Array("hello".utf8))
            await uploader.shutdownWrite()
            let collected = try await uploader.readResponse(method: "POST")
            #expect(collected.status == 200)
            #expect(collected.body == Array("hello".utf8))
        }
    }

    @Test("requests pipelined before a half-close are all answered in order, then the connection closes", arguments: TestTransport.allCases)
    func halfCloseAfterPipelinedRequests(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            // Three complete requests, then part of a fourth that can never complete.
            try await client.send(RawRequest.make("POST", "/collect", headers: [("Content-Length", "3")]) + Array("one".utf8)
                + RawRequest.make("GET", "/health")
                + RawRequest.make("POST", "/collect", headers: [("Content-Length", "5")]) + Array("three".utf8)
                + Array("GET /health HTTP/1.1\r\nHo".utf8))
            await client.shutdownWrite()
            let first = try await client.readResponse(method: "POST")
            let second = try await client.readResponse()
            let third = try await client.readResponse(method: "POST")
            #expect([first.status, second.status, third.status] == [200, 200, 200])
            #expect(first.body == Array("one".utf8))
            #expect(third.body == Array("three".utf8))
            #expect(await client.waitForClose().isClosed)
            #expect(await server.waitForConnectionCount(0))

            // The FIN arriving while the last request's handler runs: its answer says it is the last.
            let waiting = try await server.connect()
            try await waiting.send(RawRequest.make("GET", "/health") + RawRequest.make("GET", "/wait"))
            _ = try await waiting.readResponse()
            #expect(await server.events.wait(for: "wait-started"))
            await waiting.shutdownWrite()
            // The answer can only say it is the last once the server has read the FIN (over TLS,
            // after the close_notify record): wait for that, not for time.
            #expect(await eventually(timeout: .seconds(15)) { await server.server.halfClosedCount() == 1 })
            server.gate.open()
            let last = try await waiting.readResponse()
            #expect(last.status == 200)
            #expect(last.header("connection")?.lowercased() == "close")
            #expect(await waiting.waitForClose().isClosed)
        }
    }

    @Test("a half-close in the middle of a body cancels the request", arguments: TestTransport.allCases)
    func halfCloseMidBody(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/watch-upload", headers: [("Content-Length", "100000")])
                + [UInt8](repeating: 7, count: 1000))
            #expect(await server.events.wait(for: "upload-chunk"))
            await client.shutdownWrite()
            #expect(await server.events.wait(for: "upload-aborted cancelled=true"), "handler saw: \(server.events.events)")
            #expect(await client.waitForClose().isClosed)
            #expect(await server.waitForConnectionCount(0))
        }
    }

    @Test("a client that disconnects during a streamed response stops the producer", arguments: TestTransport.allCases)
    func disconnectDuringStream(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect(receiveBufferSize: 32 * 1024)
            try await client.send(RawRequest.make("GET", "/firehose?mib=64"))
            let head = try await client.readHead()
            #expect(head.status == 200)
            _ = try await client.readChunk()
            await client.reset()
            #expect(await server.events.wait(for: "firehose-failed"))
            #expect(await server.waitForConnectionCount(0))
            let health = try await server.get("/health")
            #expect(health.status == 200)
        }
    }

    @Test("a pipelining client that hangs up before its answers does not take the server down (SIGPIPE)", arguments: TestTransport.allCases)
    func writeAfterPeerGone(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            for index in 1...3 {
                let client = try await server.connect()
                try await client.send(RawRequest.make("GET", "/wait"))
                #expect(await server.events.wait(for: "wait-started", occurrences: index))
                // This request arrives while /wait is pending: the server buffers it and stops
                // reading, so it does not see the hang-up and later writes both answers into a
                // socket the client has closed (RST, then EPIPE).
                try await client.send(RawRequest.make("GET", "/health"))
                await client.close()
            }
            server.gate.open()
            #expect(await server.waitForConnectionCount(0))
            let health = try await server.get("/health")
            #expect(health.status == 200)
        }
    }
}
