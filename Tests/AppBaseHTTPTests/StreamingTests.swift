import AppBaseHTTP
import AppBaseTestSupport
import Testing
import AppBaseCore

@Suite("Streamed responses and SSE", .timeLimit(.minutes(3)))
struct StreamingTests {
    @Test("a chunked .stream response with several writes arrives intact", arguments: TestTransport.allCases)
    func chunkedStream(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/stream?chunks=6"))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.isChunked)
            #expect(response.header("Content-Length") == nil)
            #expect(response.chunkCount == 6)
            #expect(response.bodyText == (0..<6).map { "part-\($0)\n" }.joined())
            // The connection is reusable after the last chunk.
            try await client.send(RawRequest.make("GET", "/health"))
            #expect(try await client.readResponse().status == 200)
            await client.close()
        }
    }

    @Test("HEAD of a streamed route sends the head only", arguments: TestTransport.allCases)
    func headOfStream(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("HEAD", "/stream") + RawRequest.make("GET", "/health"))
            let responses = try await client.readResponses(methods: ["HEAD", "GET"])
            #expect(responses.map(\.status) == [200, 200])
            #expect(responses[0].body.isEmpty)
            #expect(responses[1].json["status"]?.stringValue == "ok")
            await client.close()
        }
    }

    @Test("an HTTP/1.0 client gets a stream delimited by close", arguments: TestTransport.allCases)
    func streamToHTTP10(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/stream?chunks=3", version: "HTTP/1.0"))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(!response.isChunked)
            #expect(response.bodyText == "part-0\npart-1\npart-2\n")
            #expect(await client.closedByPeer != nil)
        }
    }

    @Test("SSE events parse from a raw stream", arguments: TestTransport.allCases)
    func serverSentEvents(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let response = try await server.get("/sse?n=4", headers: [("Accept", "text/event-stream")])
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/event-stream")
            #expect(response.header("Cache-Control") == "no-cache")
            var parser = ServerSentEventParser()
            let events = parser.feed(response.body)
            #expect(parser.commentCount == 1)
            #expect(events.count == 4)
            #expect(events.map(\.id) == ["1", "2", "3", "4"])
            #expect(events.allSatisfy { $0.event == "tick" })
            #expect(events.first?.data == "{\"n\":1}\nline two")
            #expect(events.first?.retry == 1500)
            #expect(events.last?.data == "{\"n\":4}\nline two")
        }
    }

    @Test("SSE events arrive while the stream is still open", arguments: TestTransport.allCases)
    func liveServerSentEvents(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/sse?n=3&hold=1"))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.isChunked)
            var parser = ServerSentEventParser()
            var received: [ParsedServerSentEvent] = []
            while received.isEmpty, let chunk = try await client.readChunk() {
                received += parser.feed(chunk)
            }
            #expect(received.map(\.id) == ["1"])
            #expect(await server.events.wait(for: "sse-holding"))
            server.gate.open()
            while let chunk = try await client.readChunk() { received += parser.feed(chunk) }
            #expect(received.map(\.id) == ["1", "2", "3"])
            await client.close()
        }
    }

    @Test("a reader that does not read holds the producer back (write backpressure)", arguments: TestTransport.allCases)
    func slowReaderBackpressure(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let total = 16 << 20
            let client = try await server.connect(receiveBufferSize: 64 * 1024)
            try await client.send(RawRequest.make("GET", "/firehose?mib=16"))
            // Do not read. The producer should stall once the socket buffers and the
            // connection's 64 KiB queue are full: wait until its progress stops moving.
            var last = -1
            let settled = await eventually(timeout: .seconds(30), interval: .milliseconds(150)) {
                let now = server.firehoseBytes.value
                defer { last = now }
                return now > 0 && now == last
            }
            let progress = server.firehoseBytes.value
            #expect(settled, "the producer never paused (\(progress) bytes written)")
            #expect(progress < 8 << 20, "the producer ran \(progress) bytes ahead of a reader that read nothing")
            #expect(!server.events.contains("firehose-done"))

            let head = try await client.readHead()
            var received = 0
            while let chunk = try await client.readChunk(timeout: .seconds(10)) {
                #expect(chunk.first == UInt8(ascii: "x") && chunk.last == UInt8(ascii: "x"))
                received += chunk.count
            }
            #expect(head.status == 200)
            #expect(received == total)
            #expect(await server.events.wait(for: "firehose-done"))
            await client.close()
        }
    }

    @Test("a stream shorter than its Content-Length closes the connection instead of desynchronising it", arguments: TestTransport.allCases)
    func shortStream(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/short-stream") + RawRequest.make("GET", "/health"))
            let head = try await client.readHead()
            #expect(head.header("Content-Length") == "100")
            do {
                let response = try await client.readBody(of: head)
                Issue.record("read a full body that the handler never wrote: \(response.bodyText.debugDescription)")
            } catch RawHTTPClientError.closedByPeer(_, let received) {
                #expect(received == RawRequest.bytes("0123456789"))
            }
        }
    }

    @Test("a stream that writes past its Content-Length is stopped at the declared length", arguments: TestTransport.allCases)
    func longStream(transport: TestTransport) async throws {
        try await withTestServer(transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/long-stream") + RawRequest.make("GET", "/health"))
            let response = try await client.readResponse()
            #expect(response.bodyText == "01234")
            #expect(await server.events.wait { $0.hasPrefix("long-stream-") })
            #expect(server.events.contains("long-stream-refused"))
            // The connection is closed rather than followed by stray bytes.
            guard case .closed(_, let trailing) = await client.waitForClose() else {
                Issue.record("connection left open after a broken stream")
                return
            }
            #expect(trailing.isEmpty, "stray bytes after the response: \(String(decoding: trailing, as: UTF8.self).debugDescription)")
        }
    }
}
