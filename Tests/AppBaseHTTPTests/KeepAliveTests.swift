import AppBaseHTTP
import AppBaseTestSupport
import Testing
import AppBaseCore

@Suite("Keep-alive and pipelining", .timeLimit(.minutes(3)))
struct KeepAliveTests {
    @Test("several requests on one connection", arguments: TestTransport.allCases)
    func sequentialRequests(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            for index in 0..<5 {
                try await client.send(RawRequest.make("GET", "/items/\(index)"))
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.json["id"]?.stringValue == String(index))
                #expect(!response.closesConnection)
            }
            try await client.send(RawRequest.make("GET", "/health"))
            #expect(try await client.readResponse().status == 200)
            #expect(await server.connectionCount() == 1)
            await client.close()
        }
    }

    @Test("pipelined requests with mixed methods are answered in order", arguments: TestTransport.allCases)
    func pipelining(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            let batch = RawRequest.make("GET", "/items/1")
                + RawRequest.make("POST", "/collect", body: RawRequest.bytes("abc"))
                + RawRequest.make("DELETE", "/items/7")
                + RawRequest.make("HEAD", "/health")
                + RawRequest.make("GET", "/health")
            try await client.send(batch)
            let responses = try await client.readResponses(methods: ["GET", "POST", "DELETE", "HEAD", "GET"])
            #expect(responses.map(\.status) == [200, 200, 200, 200, 200])
            #expect(responses[0].json["id"]?.stringValue == "1")
            #expect(responses[1].bodyText == "abc")
            #expect(responses[2].json["deleted"]?.stringValue == "7")
            #expect(responses[3].body.isEmpty)
            #expect(responses[3].header("Content-Length") == responses[4].header("Content-Length"))
            #expect(responses[4].json["status"]?.stringValue == "ok")
            // Every response got its own request id.
            #expect(Set(responses.compactMap { $0.header("X-Request-Id") }).count == 5)
            await client.close()
        }
    }

    @Test("three pipelined requests in one write, the last one closing", arguments: TestTransport.allCases)
    func pipelinedThenClose(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/health")
                + RawRequest.make("POST", "/collect", body: RawRequest.bytes("hello"))
                + RawRequest.make("GET", "/items/3", headers: [("Connection", "close")]))
            let responses = try await client.readResponses(methods: ["GET", "POST", "GET"])
            #expect(responses.map(\.status) == [200, 200, 200])
            #expect(responses[1].bodyText == "hello")
            #expect(responses[2].closesConnection)
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("Connection: close closes after the response", arguments: TestTransport.allCases)
    func connectionClose(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/health", headers: [("Connection", "close")]))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("Connection")?.lowercased() == "close")
            guard case .closed(_, let trailing) = await client.waitForClose() else {
                Issue.record("connection stayed open")
                return
            }
            #expect(trailing.isEmpty)
        }
    }

    @Test("HTTP/1.0 gets a response, then the connection closes", arguments: TestTransport.allCases)
    func http10Closes(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/health", version: "HTTP/1.0", host: nil))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.closesConnection)
            #expect(response.json["status"]?.stringValue == "ok")
            #expect(await client.waitForClose().isClosed)
        }
    }

    @Test("HTTP/1.0 with Connection: keep-alive stays open", arguments: TestTransport.allCases)
    func http10KeepAlive(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            for _ in 0..<3 {
                try await client.send(RawRequest.make("GET", "/health", version: "HTTP/1.0",
                                                      headers: [("Connection", "keep-alive")]))
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.header("Connection")?.lowercased() == "keep-alive")
                #expect(response.header("Content-Length") != nil)
            }
            if case .closed = await client.waitForClose(timeout: .milliseconds(200)) {
                Issue.record("HTTP/1.0 keep-alive connection was closed")
            }
            await client.close()
        }
    }

    @Test("a request head and body trickled byte by byte", arguments: TestTransport.allCases)
    func byteByByte(transport: TestTransport) async throws {
        // A hundred sends with a pause each can outlast the 5 s header timeout on a loaded
        // machine (a pause of 200 µs may resume tens of ms later); the test is about framing.
        try await withTestServer(limits: .test { $0.headerTimeoutMillis = 120_000 }, transport: transport) { server in
            let client = try await server.connect()
            let request = RawRequest.make("POST", "/collect", headers: [("X-Long-Header", String(repeating: "v", count: 40))],
                                          body: RawRequest.bytes("trickle"))
            try await client.send(pieces: request.map { [$0] }, pause: .microseconds(200))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == "trickle")
            await client.close()
        }
    }

    @Test("a burst of 1000 pipelined requests (beyond the pending-buffer bound) is answered in order", arguments: TestTransport.allCases)
    func largePipeline(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            let count = 1000
            let burst = (0..<count).flatMap { RawRequest.make("GET", "/health", headers: [("X-Request-Id", "r-\($0)")]) }
            try await client.send(burst)
            let responses = try await client.readResponses(methods: Array(repeating: "GET", count: count),
                                                           timeout: .seconds(10))
            #expect(responses.allSatisfy { $0.status == 200 })
            #expect(responses.map { $0.header("X-Request-Id") ?? "" } == (0..<count).map { "r-\($0)" })
            await client.close()
        }
    }

    @Test("a fixed body larger than the socket buffers is written whole, then the next pipelined answer follows", arguments: TestTransport.allCases)
    func largeFixedBodyThenPipelined(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            // A small receive buffer and a 4 MiB body: the first write cannot take it all, so
            // the rest is queued and its completion must still come before the next response.
            let client = try await server.connect(receiveBufferSize: 16 * 1024)
            try await client.send(RawRequest.make("GET", "/big?kib=4096") + RawRequest.make("GET", "/health")
                + RawRequest.make("GET", "/big?kib=3"))
            let responses = try await client.readResponses(methods: ["GET", "GET", "GET"], timeout: .seconds(20))
            #expect(responses.map(\.status) == [200, 200, 200])
            #expect(responses[0].body == bigBody(4096 << 10))
            #expect(responses[1].json["status"]?.stringValue == "ok")
            #expect(responses[2].body == bigBody(3 << 10))
            #expect(!responses[2].closesConnection)
            await client.close()
        }
    }

    @Test("a small body sent to a route answered inline is discarded and the connection kept", arguments: TestTransport.allCases)
    func inlineAnswerDiscardsBody(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("PATCH", "/items/1", body: RawRequest.bytes("{\"a\":1}"))
                + RawRequest.make("POST", "/nowhere", body: [UInt8](repeating: 65, count: 3000))
                + RawRequest.make("GET", "/health"))
            let responses = try await client.readResponses(methods: ["PATCH", "POST", "GET"])
            #expect(responses.map(\.status) == [405, 404, 200])
            #expect(!responses[0].closesConnection && !responses[1].closesConnection)
            await client.close()
        }
    }

    @Test("request targets: absolute form, query and fragment, unknown methods", arguments: TestTransport.allCases)
    func requestTargets(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "http://localhost:8080/items/abs?x=1")
                + RawRequest.make("GET", "/items/q?a=1&b=2#frag")
                + RawRequest.make("PROPFIND", "/items/1")
                + RawRequest.make("MKCOL", "/nowhere")
                + RawRequest.make("GET", "/health"))
            let responses = try await client.readResponses(methods: ["GET", "GET", "PROPFIND", "MKCOL", "GET"])
            #expect(responses.map(\.status) == [200, 200, 405, 404, 200])
            #expect(responses[0].json["id"]?.stringValue == "abs")
            #expect(responses[1].json["id"]?.stringValue == "q")
            #expect(responses[2].header("Allow") == "DELETE, GET, HEAD, OPTIONS")
            await client.close()
        }
    }
}
