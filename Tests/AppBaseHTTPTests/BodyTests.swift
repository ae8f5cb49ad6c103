import AppBaseHTTP
import AppBaseTestSupport
import Testing
import AppBaseCore

@Suite("Request bodies", .timeLimit(.minutes(3)))
struct BodyTests {
    @Test("Content-Length body", arguments: TestTransport.allCases)
    func contentLengthBody(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let body = RawRequest.bytes(String(repeating: "0123456789", count: 100))
            let response = try await server.exchange(RawRequest.make("POST", "/collect", body: body), method: "POST")
            #expect(response.status == 200)
            #expect(response.body == body)
            #expect(response.header("X-Body-Length") == "1000")
        }
    }

    @Test("chunked body with chunk extensions and a trailer-free end", arguments: TestTransport.allCases)
    func chunkedBody(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let chunks = ["Hello", ", ", "chunked", " world", "!"].map(RawRequest.bytes)
            let request = RawRequest.chunked("POST", "/collect", chunks: chunks,
                                             extensions: ["name=value", nil, "a=1;b=\"two\"", "x", nil])
            let client = try await server.connect()
            try await client.send(request)
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 200)
            #expect(response.bodyText == "Hello, chunked world!")
            // The connection stays usable after a chunked body.
            try await client.send(RawRequest.make("GET", "/health"))
            #expect(try await client.readResponse().status == 200)
            await client.close()
        }
    }

    @Test("body split across many writes", arguments: TestTransport.allCases)
    func fragmentedBody(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let body = (0..<1000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            let request = RawRequest.make("POST", "/collect", body: body)
            let pieces = stride(from: 0, to: request.count, by: 37).map { Array(request[$0..<min($0 + 37, request.count)]) }
            let client = try await server.connect()
            try await client.send(pieces: pieces, pause: .milliseconds(1))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 200)
            #expect(response.body == body)
            await client.close()
        }
    }

    @Test("chunked body split inside chunk-size lines and data", arguments: TestTransport.allCases)
    func fragmentedChunkedBody(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let chunks = (0..<20).map { Array(repeating: UInt8(ascii: "a") + UInt8($0), count: 30) }
            let request = RawRequest.chunked("POST", "/collect", chunks: chunks)
            let pieces = stride(from: 0, to: request.count, by: 13).map { Array(request[$0..<min($0 + 13, request.count)]) }
            let client = try await server.connect()
            try await client.send(pieces: pieces, pause: .microseconds(300))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 200)
            #expect(response.body == chunks.flatMap { $0 })
            await client.close()
        }
    }

    @Test("Content-Length over the route limit → 413 before the body is sent", arguments: TestTransport.allCases)
    func contentLengthOverLimit(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            // Only the head: the server must answer without waiting for the body.
            try await client.send(RawRequest.make("POST", "/collect", headers: [("Content-Length", "5000")]))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 413)
            #expect(response.errorCode == "payload_too_large")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.closesConnection)
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("an early 413 carries the route's CORS headers, so a browser can read it", arguments: TestTransport.allCases)
    func earlyErrorsCarryCORS(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/collect", headers: [
                ("Content-Length", "5000"), ("Origin", "http://app.example"),
            ]))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 413)
            #expect(response.header("Access-Control-Allow-Origin") == "*")
        }
    }

    @Test("a client that sends a whole oversized body (as browsers do) still reads its 413, not a reset", arguments: TestTransport.allCases)
    func oversizedBodySentAnywayGets413(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            let body = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
            // Head and the whole body in one go, no Expect: the server answers early and must
            // keep reading (and discarding) until it has closed gracefully.
            try await client.send(RawRequest.make("POST", "/collect", headers: [("Content-Length", String(body.count))]) + body)
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 413)
            #expect(response.errorCode == "payload_too_large")
        }
    }

    @Test("chunked body over the limit → 413 and close", arguments: TestTransport.allCases)
    func chunkedOverLimit(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            let chunks = (0..<10).map { _ in [UInt8](repeating: UInt8(ascii: "z"), count: 300) }
            try await client.send(RawRequest.chunked("POST", "/collect", chunks: chunks))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 413)
            #expect(response.errorCode == "payload_too_large")
            #expect(response.closesConnection)
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("Expect: 100-continue → 100 Continue once the handler reads, then the final response", arguments: TestTransport.allCases)
    func expectContinue(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/collect", headers: [("Content-Length", "11"),
                                                                               ("Expect", "100-continue")]))
            let interim = try await client.readResponse(method: "POST")
            #expect(interim.status == 100)
            #expect(interim.reason == "Continue")
            try await client.send("hello world")
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 200)
            #expect(response.bodyText == "hello world")
            // Keep-alive still works afterwards.
            try await client.send(RawRequest.make("GET", "/health"))
            #expect(try await client.readResponse().status == 200)
            await client.close()
        }
    }

    @Test("Expect: 100-continue with a Content-Length over the limit → 413 without 100", arguments: TestTransport.allCases)
    func expectContinueTooLarge(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/collect", headers: [("Content-Length", "1000000"),
                                                                               ("Expect", "100-continue")]))
            let (interim, response) = try await client.readFinalResponse(method: "POST")
            #expect(interim.isEmpty)
            #expect(response.status == 413)
            #expect(response.errorCode == "payload_too_large")
            guard case .closed(_, let trailing) = await client.waitForClose() else {
                Issue.record("connection stayed open after 413")
                return
            }
            #expect(trailing.isEmpty)
        }
    }

    @Test("Expect: 100-continue to a route answered inline gets its answer without sending the body", arguments: TestTransport.allCases)
    func expectContinueInlineRoute(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/nowhere", headers: [("Content-Length", "10"),
                                                                               ("Expect", "100-continue")]))
            let (interim, response) = try await client.readFinalResponse(method: "POST", timeout: .seconds(15))
            #expect(interim.isEmpty)
            #expect(response.status == 404)
            await client.close()
        }
    }

    @Test("Expect: 100-continue to a streaming echo never puts 100 Continue inside the response", arguments: TestTransport.allCases)
    func expectContinueStreamingEcho(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/echo", headers: [("Content-Length", "9"),
                                                                            ("Expect", "100-continue")]))
            // /echo answers before reading: the head comes first (possibly after a 100).
            var head = try await client.readHead()
            if head.status == 100 { head = try await client.readHead() }
            #expect(head.status == 200)
            try await client.send("echo body")
            let response = try await client.readBody(of: head, method: "POST")
            #expect(response.bodyText == "echo body")
            await client.close()
        }
    }

    @Test("a streaming echo returns the body as it arrives", arguments: TestTransport.allCases)
    func streamingEcho(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            var generator = SeededGenerator(seed: 7)
            let body = generator.bytes(300_000)
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/echo", body: body))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 200)
            #expect(response.body == body)
            await client.close()
        }
    }

    @Test("a handler that reads the first chunk, then streams the rest back", arguments: TestTransport.allCases)
    func peekThenStream(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            var generator = SeededGenerator(seed: 11)
            let body = generator.bytes(200_000)
            let request = RawRequest.make("POST", "/echo-peek", body: body)
            let head = request.count - body.count
            let client = try await server.connect()
            // The head and a first piece, then the rest later: the handler has answered by then.
            try await client.send(Array(request[..<(head + 1000)]))
            let responseHead = try await client.readHead()
            #expect(responseHead.status == 200)
            try await client.send(pieces: stride(from: head + 1000, to: request.count, by: 50_000).map {
                Array(request[$0..<min($0 + 50_000, request.count)])
            }, pause: .milliseconds(5))
            let response = try await client.readBody(of: responseHead, method: "POST")
            #expect(response.body == body)
            await client.close()
        }
    }

    @Test("a chunked echo comes back chunked", arguments: TestTransport.allCases)
    func chunkedEcho(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let chunks = (0..<8).map { Array(repeating: UInt8(ascii: "A") + UInt8($0), count: 1000) }
            let response = try await server.exchange(RawRequest.chunked("POST", "/echo", chunks: chunks), method: "POST")
            #expect(response.status == 200)
            #expect(response.isChunked)
            #expect(response.body == chunks.flatMap { $0 })
        }
    }

    @Test("a slow handler holds back the upload (request-body backpressure)", arguments: TestTransport.allCases)
    func uploadBackpressure(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let total = 16 << 20
            let client = try await server.connect(sendBufferSize: 64 * 1024)
            try await client.send(RawRequest.make("POST", "/slow-upload", headers: [("Content-Length", String(total))]))
            #expect(await server.events.wait(for: "slow-upload-started"))
            let body = [UInt8](repeating: UInt8(ascii: "u"), count: total)
            let accepted = try await client.sendUntilStalled(body[...], stall: .milliseconds(300))
            // Socket buffers absorb a few hundred KiB; the server itself holds ~64 KiB.
            #expect(accepted < 8 << 20, "the server kept reading a body nobody consumed (\(accepted) bytes)")
            server.gate.open()
            try await client.send(Array(body[accepted...]), timeout: .seconds(60))
            let response = try await client.readResponse(method: "POST", timeout: .seconds(30))
            #expect(response.status == 200)
            #expect(response.json["bytes"]?.intValue == Int64(total))
            await client.close()
        }
    }

    @Test("chunked body with trailer fields", arguments: TestTransport.allCases)
    func chunkedTrailers(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/collect", headers: [("Transfer-Encoding", "chunked"),
                                                                               ("Trailer", "X-Checksum")])
                + RawRequest.bytes("3\r\nabc\r\n2;ext\r\nde\r\n0\r\nX-Checksum: 12345\r\nX-Other: y\r\n\r\n")
                + RawRequest.make("GET", "/health"))
            let responses = try await client.readResponses(methods: ["POST", "GET"])
            #expect(responses.map(\.status) == [200, 200])
            #expect(responses[0].bodyText == "abcde")
            await client.close()
        }
    }

    @Test("Expect: 100-continue to a handler that never reads → its answer, no 100, then close", arguments: TestTransport.allCases)
    func expectContinueUnreadBody(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("DELETE", "/items/5", headers: [("Content-Length", "100"),
                                                                                 ("Expect", "100-continue")]))
            let (interim, response) = try await client.readFinalResponse(method: "DELETE")
            #expect(interim.isEmpty)
            #expect(response.status == 200)
            #expect(response.closesConnection)
            #expect(await client.waitForClose().isClosed)
        }
    }
}
