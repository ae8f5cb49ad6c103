import AppBaseHTTP
import AppBaseTestSupport
import Testing
import AppBaseCore

@Suite("File responses (sendfile; through the cipher over TLS)", .timeLimit(.minutes(3)))
struct FileTests {
    static let size = 3 << 20 | 12_345

    @Test("a few MiB arrive byte-identical, and the connection stays usable", arguments: TestTransport.allCases)
    func download(transport: TestTransport) async throws {
        try await withTestServer(fileSize: Self.size, transport: transport) { server in
            let client = try await server.connect()
            for _ in 0..<2 {
                try await client.send(RawRequest.make("GET", "/file"))
                let response = try await client.readResponse(timeout: .seconds(10))
                #expect(response.status == 200)
                #expect(response.header("Content-Length") == String(Self.size))
                #expect(response.header("Content-Type") == "application/octet-stream")
                #expect(response.body.count == Self.size)
                #expect(response.body == server.fileContent)
            }
            try await client.send(RawRequest.make("GET", "/health"))
            #expect(try await client.readResponse().status == 200)
            await client.close()
        }
    }

    @Test("HEAD gives the headers only", arguments: TestTransport.allCases)
    func head(transport: TestTransport) async throws {
        try await withTestServer(fileSize: Self.size, transport: transport) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("HEAD", "/file") + RawRequest.make("GET", "/health"))
            let responses = try await client.readResponses(methods: ["HEAD", "GET"])
            #expect(responses[0].status == 200)
            #expect(responses[0].header("Content-Length") == String(Self.size))
            #expect(responses[0].body.isEmpty)
            // Had any file bytes followed the HEAD answer, this would not parse as /health.
            #expect(responses[1].json["status"]?.stringValue == "ok")
            await client.close()
        }
    }

    @Test("a slow reader still gets the whole file", arguments: TestTransport.allCases)
    func slowReader(transport: TestTransport) async throws {
        try await withTestServer(fileSize: Self.size, transport: transport) { server in
            let client = try await server.connect(receiveBufferSize: 32 * 1024)
            try await client.send(RawRequest.make("GET", "/file"))
            let head = try await client.readHead()
            var body: [UInt8] = []
            while body.count < Self.size {
                body += try await client.readBytes(min(100_000, Self.size - body.count))
                if body.count < 400_000 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(head.status == 200)
            #expect(body == server.fileContent)
            await client.close()
        }
    }

    @Test("when every sendfile slot is held by a slow reader, the next file response is 503 at once", arguments: TestTransport.allCases)
    func fileResponsesAreCapped(transport: TestTransport) async throws {
        // Bigger than the kernel's socket buffers on loopback, so the job really waits for the reader.
        let size = 32 << 20
        try await withTestServer(limits: .test { $0.maxConcurrentFileResponses = 1 }, fileSize: size, transport: transport) { server in
            let slow = try await server.connect(receiveBufferSize: 16 * 1024)
            try await slow.send(RawRequest.make("GET", "/file"))
            let head = try await slow.readHead()
            #expect(head.status == 200)
            // `slow` reads nothing more: its job waits in poll(POLLOUT), holding the only slot.
            let other = try await server.connect()
            try await other.send(RawRequest.make("GET", "/file"))
            let refused = try await other.readResponse()
            #expect(refused.status == 503)
            #expect(refused.errorCode == "server_busy")
            #expect(refused.header("Retry-After") != nil)
            // Once the slow client has its file, the slot is free again.
            var received = 0
            while received < size { received += try await slow.readBytes(min(1 << 20, size - received)).count }
            await slow.close()
            let servedAgain = await server.waitUntilFileIsServed()
            #expect(servedAgain)
        }
    }

    @Test("a client that resets mid-download leaves the server healthy", arguments: TestTransport.allCases)
    func resetMidDownload(transport: TestTransport) async throws {
        try await withTestServer(fileSize: Self.size, transport: transport) { server in
            let client = try await server.connect(receiveBufferSize: 16 * 1024)
            try await client.send(RawRequest.make("GET", "/file"))
            _ = try await client.readHead()
            _ = try await client.readBytes(10_000)
            await client.reset()
            #expect(await server.waitForConnectionCount(0, timeout: .seconds(15)))
            let response = try await server.get("/file")
            #expect(response.body == server.fileContent)
        }
    }
}
