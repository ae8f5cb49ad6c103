import AppBaseHTTP
import AppBaseTestSupport
import Testing
import AppBaseCore

/// Many connections at once, each pipelining a random mix of response kinds — fixed bodies far
/// larger and far smaller than a socket buffer, chunked streams, echoed request bodies — some
/// with small receive buffers: every answer must arrive whole, on its own connection, in order.
/// This exercises the write path's immediate writes, queued remainders and their reports.
@Suite("Mixed pipelined traffic", .timeLimit(.minutes(3)))
struct MixedTrafficTests {
    private enum Call {
        case health
        case big(kib: Int)
        case stream(chunks: Int)
        case echo([UInt8])
        case item(String)

        var method: String {
            if case .echo = self { return "POST" }
            return "GET"
        }

        var request: [UInt8] {
            switch self {
            case .health: return RawRequest.make("GET", "/health")
            case .big(let kib): return RawRequest.make("GET", "/big?kib=\(kib)")
            case .stream(let chunks): return RawRequest.make("GET", "/stream?chunks=\(chunks)")
            case .echo(let body): return RawRequest.make("POST", "/echo", body: body)
            case .item(let id): return RawRequest.make("GET", "/items/\(id)")
            }
        }

        /// What the answer's body must be.
        var expectedBody: [UInt8]? {
            switch self {
            case .health: return nil
            case .big(let kib): return bigBody(kib << 10)
            case .stream(let chunks): return Array((0..<chunks).map { "part-\($0)\n" }.joined().utf8)
            case .echo(let body): return body
            case .item(let id): return Array(#"{"id":"\#(id)"}"#.utf8)
            }
        }

        static func random(using generator: inout SeededGenerator) -> Call {
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: return .health
            case 1: return .big(kib: [1, 3, 64, 700, 2048].randomElement(using: &generator) ?? 1)
            case 2: return .stream(chunks: Int.random(in: 1...40, using: &generator))
            case 3: return .echo((0..<Int.random(in: 1...8_000, using: &generator)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            default: return .item("i\(Int.random(in: 0...9999, using: &generator))")
            }
        }
    }

    @Test("16 connections × 24 mixed requests pipelined 6 deep: every answer whole and in order")
    func mixedPipelines() async throws {
        try await withTestServer { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in 0..<16 {
                    group.addTask {
                        var generator = SeededGenerator(seed: 0xA11CE + UInt64(connection))
                        let calls = (0..<24).map { _ in Call.random(using: &generator) }
                        let client = try await server.connect(receiveBufferSize: connection % 3 == 0 ? 8 * 1024 : nil)
                        // Waves of 6 pipelined requests: a wave's requests (≤ 48 KiB) always fit in
                        // the socket buffers, so the client never blocks sending while the server
                        // waits for it to read (the classic pipelining deadlock of a client that
                        // reads only after sending everything).
                        for wave in stride(from: 0, to: calls.count, by: 6) {
                            let batch = Array(calls[wave..<min(wave + 6, calls.count)])
                            try await client.send(batch.flatMap(\.request))
                            let responses = try await client.readResponses(methods: batch.map(\.method), timeout: .seconds(30))
                            #expect(responses.count == batch.count)
                            for (call, response) in zip(batch, responses) {
                                #expect(response.status == 200, "connection \(connection): \(call.method) answered \(response.status)")
                                if let expected = call.expectedBody {
                                    #expect(response.body == expected, "connection \(connection): body of \(call.method) differs")
                                } else {
                                    #expect(response.json["status"]?.stringValue == "ok")
                                }
                            }
                        }
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
            #expect(await server.waitForConnectionCount(0))
        }
    }
}
