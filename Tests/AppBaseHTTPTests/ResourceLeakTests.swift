import AppBaseHTTP
import AppBaseTestSupport
import Testing

/// Every abnormal way a client can leave must give back what its connection held: after each
/// wave, once the connections are gone, the loop has exactly the handles it started with (its
/// own, the listener and the sweeper) — no socket or linger timer left behind — and no libuv
/// request in flight (no write, shutdown or sendfile job).
@Suite("Resources after abnormal clients", .timeLimit(.minutes(3)))
struct ResourceLeakTests {
    @Test("resets and hang-ups mid-body, mid-response, mid-stream and after early answers leave no handle behind")
    func noHandleLeaks() async throws {
        try await withTestServer(fileSize: 4 << 20) { server in
            // A served request first, so every lazily created handle exists in the baseline.
            #expect(try await server.get("/health").status == 200)
            #expect(await server.waitForConnectionCount(0))
            let baseline = try await server.loop.openHandleCount()

            for round in 0..<3 {
                // 1. Reset in the middle of an upload body.
                let uploader = try await server.connect()
                try await uploader.send(RawRequest.make("POST", "/watch-upload", headers: [("Content-Length", "1048576")])
                    + [UInt8](repeating: 7, count: 16 * 1024))
                await uploader.reset()
                // 2. Hang up (FIN) in the middle of a streamed response.
                let streamReader = try await server.connect(receiveBufferSize: 16 * 1024)
                try await streamReader.send(RawRequest.make("GET", "/firehose?mib=8"))
                _ = try await streamReader.readHead()
                await streamReader.close()
                // 3. An early 413 to an oversized body, the client leaving without reading it.
                let oversized = try await server.connect()
                try await oversized.send(RawRequest.make("POST", "/collect", headers: [("Content-Length", "2000000")])
                    + [UInt8](repeating: 1, count: 64 * 1024))
                await oversized.close()
                // 4. Half a request head, then gone.
                let halfHead = try await server.connect()
                try await halfHead.send("GET /health HTTP/1.1\r\nHost: x")
                await halfHead.close()
                // 5. Pipelined requests, reset before reading any answer.
                let pipeliner = try await server.connect()
                try await pipeliner.send((0..<20).flatMap { _ in RawRequest.make("GET", "/big?kib=256") })
                await pipeliner.reset()
                // 6. An event stream, reset while it waits for more.
                let sse = try await server.connect()
                try await sse.send(RawRequest.make("GET", "/sse-forever"))
                _ = try await sse.readHead()
                await sse.reset()
                // 7. A file download (sendfile on the pool), reset part-way.
                let downloader = try await server.connect(receiveBufferSize: 16 * 1024)
                try await downloader.send(RawRequest.make("GET", "/file"))
                _ = try await downloader.readHead()
                await downloader.reset()

                #expect(await server.waitForConnectionCount(0, timeout: .seconds(15)), "round \(round)")
                let handles = try await server.loop.openHandleCount()
                #expect(handles == baseline, "round \(round): \(handles) handles open, \(baseline) at the start")
                #expect(try await server.loop.activeRequestCount() == 0, "round \(round)")
            }
            // And the server still answers.
            #expect(try await server.get("/health").status == 200)
        }
    }
}
