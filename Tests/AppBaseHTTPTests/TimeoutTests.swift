import AppBaseHTTP
import AppBaseTestSupport
import Testing

/// Timeouts are 300 ms here (5 s over TLS: `HTTPLimits.shortTimeouts`); each test lets one elapse.
@Suite("Timeouts (slowloris)", .timeLimit(.minutes(3)))
struct TimeoutTests {
    @Test("half a header block, then silence → closed after the header timeout", arguments: TestTransport.allCases)
    func headerTimeout(transport: TestTransport) async throws {
        try await withTestServer(limits: .shortTimeouts(over: transport), transport: transport) { server in
            let client = try await server.connect()
            let started = ContinuousClock.now
            try await client.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            let observation = await client.waitForClose(timeout: .seconds(30))
            let elapsed = ContinuousClock.now - started
            #expect(observation.isClosed)
            #expect(elapsed >= .milliseconds(280), "closed after only \(elapsed)")
            #expect(await server.waitForConnectionCount(0))
        }
    }

    @Test("a trickling header is cut at the header timeout even though bytes keep coming", arguments: TestTransport.allCases)
    func tricklingHeader(transport: TestTransport) async throws {
        try await withTestServer(limits: .shortTimeouts(over: transport), transport: transport) { server in
            let client = try await server.connect()
            let started = ContinuousClock.now
            try await client.send("GET /health HTTP/1.1\r\n")
            var closed = false
            for index in 0..<240 {
                do {
                    try await client.send("X-Trickle-\(index): 1\r\n")
                } catch {
                    closed = true
                    break
                }
                if case .closed = await client.waitForClose(timeout: .milliseconds(50)) {
                    closed = true
                    break
                }
            }
            // No upper bound on the time: had every byte restarted the header timeout, the
            // trickle (240 lines, ≥ 50 ms apart: ≥ 12 s, over twice the TLS timeout and 40× the
            // plain one) would have ended still open.
            #expect(closed)
            #expect(ContinuousClock.now - started >= .milliseconds(280))
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout", arguments: TestTransport.allCases)
    func idleTimeout(transport: TestTransport) async throws {
        try await withTestServer(limits: .shortTimeouts(over: transport) { $0.idleTimeoutMillis = 1_000 }, transport: transport) { server in
            // On a loaded machine the fresh connection's own idle period may end before the
            // request gets there (the server closes it unanswered): then try a new connection.
            // What is asserted is the idle period after a response.
            for _ in 0..<5 {
                let client: RawHTTPClient
                // The idle period starts after the response, so it cannot end sooner than the
                // idle timeout after the request was sent.
                let sent: ContinuousClock.Instant
                let response: RawHTTPResponse
                do {
                    client = try await server.connect()  // over TLS the idle period may end in the handshake
                    sent = ContinuousClock.now
                    try await client.send(RawRequest.make("GET", "/health"))
                    response = try await client.readResponse()
                } catch RawHTTPClientError.closedByPeer {
                    continue
                } catch RawHTTPClientError.sendFailed {
                    continue
                }
                #expect(response.status == 200)
                let observation = await client.waitForClose(timeout: .seconds(30))
                #expect(observation.isClosed)
                #expect(ContinuousClock.now - sent >= .milliseconds(950))
                return
            }
            Issue.record("every connection was closed before its request was answered")
        }
    }

    @Test("a connection that never sends anything is closed after the idle timeout", arguments: TestTransport.allCases)
    func silentConnection(transport: TestTransport) async throws {
        try await withTestServer(limits: .shortTimeouts(over: transport) { $0.idleTimeoutMillis = 300 }, transport: transport) { server in
            let client: RawHTTPClient
            do {
                client = try await server.connect()
            } catch RawHTTPClientError.closedByPeer {
                return  // over TLS, closed by the idle timeout while a slow handshake ran: as asserted
            }
            #expect(await client.waitForClose(timeout: .seconds(30)).isClosed)
        }
    }

    @Test("a body that stalls mid-way is closed after the body-stall timeout", arguments: TestTransport.allCases)
    func bodyStall(transport: TestTransport) async throws {
        try await withTestServer(limits: .shortTimeouts(over: transport), transport: transport) { server in
            let client = try await server.connect()
            let sent = ContinuousClock.now
            try await client.send(RawRequest.make("POST", "/watch-upload", headers: [("Content-Length", "100000")])
                + [UInt8](repeating: 1, count: 5000))
            #expect(await server.events.wait(for: "upload-chunk"))
            let observation = await client.waitForClose(timeout: .seconds(30))
            #expect(observation.isClosed)
            #expect(ContinuousClock.now - sent >= .milliseconds(280))
            #expect(await server.events.wait { $0.hasPrefix("upload-aborted") })
            #expect(await server.waitForConnectionCount(0))
        }
    }

    @Test("while slowloris clients hang on, other clients are served normally", arguments: TestTransport.allCases)
    func othersServedDuringSlowloris(transport: TestTransport) async throws {
        try await withTestServer(limits: .shortTimeouts(over: transport), transport: transport) { server in
            var slow: [RawHTTPClient] = []
            for index in 0..<5 {
                let client = try await server.connect()
                try await client.send("GET /health HTTP/1.1\r\nX-Slow-\(index): ")
                slow.append(client)
            }
            // A loop blocked by the slow clients would not answer at all: each read's deadline
            // (RawHTTPClient.defaultTimeout) catches that, with no bound on how fast the answers are.
            for _ in 0..<10 {
                let response = try await server.get("/health")
                #expect(response.status == 200)
            }
            for client in slow {
                #expect(await client.waitForClose(timeout: .seconds(30)).isClosed)
            }
            #expect(await server.waitForConnectionCount(0))
        }
    }
}
