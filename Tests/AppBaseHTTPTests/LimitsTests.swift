import AppBaseHTTP
import AppBaseTestSupport
import Testing

@Suite("Request limits and malformed input", .timeLimit(.minutes(3)))
struct LimitsTests {
    /// Checks the shape every error response shares.
    private func expectError(_ response: RawHTTPResponse, status: Int, code: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.errorCode == code, sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
        #expect(response.header("Referrer-Policy") == "no-referrer", sourceLocation: sourceLocation)
        let requestID = response.header("X-Request-Id")
        #expect(requestID != nil, "no X-Request-Id on \(status)", sourceLocation: sourceLocation)
        #expect(requestID == response.errorRequestID, sourceLocation: sourceLocation)
    }

    @Test("header block over 16 KiB → 431 header_too_large", arguments: TestTransport.allCases)
    func headerTooLarge(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let headers = (0..<20).map { ("X-Filler-\($0)", String(repeating: "h", count: 1000)) }
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/health", headers: headers))
            let response = try await client.readResponse()
            expectError(response, status: 431, code: "header_too_large")
            #expect(response.closesConnection)
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("many small headers adding up to over 16 KiB → 431", arguments: TestTransport.allCases)
    func manySmallHeaders(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let headers = (0..<1200).map { ("X-H\($0)", "0123456789") }
            let response = try await server.exchange(RawRequest.make("GET", "/health", headers: headers))
            expectError(response, status: 431, code: "header_too_large")
        }
    }

    @Test("a header block just under the limit is accepted", arguments: TestTransport.allCases)
    func headerJustUnderLimit(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let response = try await server.get("/health", headers: [("X-Big", String(repeating: "b", count: 15_000))])
            #expect(response.status == 200)
        }
    }

    @Test("URL over 8 KiB → 414 uri_too_long", arguments: TestTransport.allCases)
    func uriTooLong(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let path = "/items/" + String(repeating: "p", count: 9000)
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", path))
            let response = try await client.readResponse()
            expectError(response, status: 414, code: "uri_too_long")
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("URL over 8 KiB arriving in pieces → 414", arguments: TestTransport.allCases)
    func uriTooLongInPieces(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let request = RawRequest.make("GET", "/items/" + String(repeating: "q", count: 9000))
            let pieces = stride(from: 0, to: request.count, by: 1500).map { Array(request[$0..<min($0 + 1500, request.count)]) }
            let client = try await server.connect()
            do {
                try await client.send(pieces: pieces, pause: .milliseconds(2))
            } catch RawHTTPClientError.sendFailed {
                // The server may answer and close before the last piece.
            }
            expectError(try await client.readResponse(), status: 414, code: "uri_too_long")
        }
    }

    @Test("a well-formed method the server does not know → 501 not_implemented, then a close",
          arguments: ["BREW /health HTTP/1.1\r\nHost: x\r\n\r\n", "QUERY /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"],
          TestTransport.allCases)
    func unknownMethod(_ request: String, transport: TestTransport) async throws {
        try await expectRefusal(of: request, over: transport, status: 501, code: "not_implemented")
    }

    @Test("malformed request lines → 400 bad_request", arguments: [
        "BR@W /health HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /health XTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /health HTTP/x.1\r\nHost: x\r\n\r\n",
        "GET\r\n\r\n",
        "GET health HTTP/1.1\r\nHost: x\r\n\r\n",
        " GET /health HTTP/1.1\r\n\r\n",
        "GET /he alth HTTP/1.1\r\nHost: x\r\n\r\n",
        "\u{1}\u{2}\u{3}\r\n\r\n",
    ], TestTransport.allCases)
    func malformedRequestLine(_ request: String, transport: TestTransport) async throws {
        try await expectRefusal(of: request, over: transport, status: 400, code: "bad_request")
    }

    /// `request` gets one error answer with `status` and `code`, and the connection closes.
    private func expectRefusal(of request: String, over transport: TestTransport, status: Int, code: String) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(request)
            let response = try await client.readResponse()
            expectError(response, status: status, code: code)
            #expect(response.closesConnection)
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("malformed header fields → 400 bad_request", arguments: [
        "Host localhost\r\n",
        "Bad Header: x\r\n",
        "Transfer-Encoding : chunked\r\n",
        "Content-Length\t: 3\r\n",
        "Content-Length: abc\r\n",
        "Content-Length: 1\r\nContent-Length: 2\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
        ": no-name\r\n",
        "X-Ctl: a\u{1}b\r\n",
    ], TestTransport.allCases)
    func malformedHeaders(_ header: String, transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send("POST /collect HTTP/1.1\r\nHost: x\r\n\(header)\r\nabc")
            let response = try await client.readResponse(method: "POST")
            expectError(response, status: 400, code: "bad_request")
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("a broken chunked body → 400", arguments: TestTransport.allCases)
    func brokenChunkedBody(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("POST", "/collect", headers: [("Transfer-Encoding", "chunked")])
                + RawRequest.bytes("5\r\nhello\r\nZZ\r\n"))
            let response = try await client.readResponse(method: "POST")
            expectError(response, status: 400, code: "bad_request")
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("the server still answers after every kind of rejection", arguments: TestTransport.allCases)
    func survivesRejections(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            _ = try await server.exchange(RawRequest.bytes("BREW / HTTP/1.1\r\n\r\n"))
            _ = try await server.get("/" + String(repeating: "x", count: 10_000))
            _ = try await server.get("/health", headers: [("X-Big", String(repeating: "b", count: 20_000))])
            let response = try await server.get("/health")
            #expect(response.status == 200)
            #expect(await server.waitForConnectionCount(0))
        }
    }
}
