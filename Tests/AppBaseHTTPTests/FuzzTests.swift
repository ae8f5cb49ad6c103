import AppBaseHTTP
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Fuzzing the request parser", .timeLimit(.minutes(3)))
struct FuzzTests {
    /// What one fuzz case saw.
    enum Outcome: Sendable, Equatable {
        case answered(Int)
        case closed
        case hung
    }

    /// Sends `bytes` on a fresh connection; returns the first response's status, or that the
    /// server closed, or that nothing happened before the deadline.
    static func run(_ bytes: [UInt8], port: Int) async -> Outcome {
        guard let client = try? await RawHTTPClient.connect(port: port) else { return .closed }
        let outcome = await exchange(bytes, on: client)
        await client.close()
        return outcome
    }

    private static func exchange(_ bytes: [UInt8], on client: RawHTTPClient) async -> Outcome {
        do {
            try await client.send(bytes)
        } catch RawHTTPClientError.sendFailed {
            // Answered and closed while we were still sending: read what came back.
        } catch {
            return .hung
        }
        do {
            return .answered(try await client.readResponse(timeout: .seconds(15)).status)
        } catch RawHTTPClientError.timedOut {
            return .hung
        } catch {
            return .closed
        }
    }

    static let templates: [[UInt8]] = [
        RawRequest.make("GET", "/health", headers: [("Accept", "*/*"), ("X-Request-Id", "abc-123")]),
        RawRequest.make("POST", "/collect", headers: [("Content-Type", "text/plain")], body: RawRequest.bytes("hello")),
        RawRequest.chunked("POST", "/collect", chunks: [RawRequest.bytes("ab"), RawRequest.bytes("cde")],
                           extensions: ["x=1", nil]),
        RawRequest.make("DELETE", "/items/42", version: "HTTP/1.0", headers: [("Connection", "keep-alive")]),
    ]

    static func randomBytes(_ generator: inout SeededGenerator) -> [UInt8] {
        let length = Int.random(in: 1...600, using: &generator)
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:
            return generator.bytes(length)
        case 1:
            // Printable noise with line breaks.
            let alphabet = Array(" :/?#%-_.;=\r\n\r\nabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
            return (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        case 2:
            // A plausible method, then noise.
            let method = ["GET ", "POST ", "PUT ", "HEAD ", "OPTIONS "][Int.random(in: 0..<5, using: &generator)]
            return Array(method.utf8) + generator.bytes(length) + Array("\r\n\r\n".utf8)
        default:
            // A valid request line, then garbage header lines.
            return Array("GET /health HTTP/1.1\r\n".utf8) + generator.bytes(length) + Array("\r\n\r\n".utf8)
        }
    }

    static func mutate(_ template: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes = template
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
            case 2: bytes.remove(at: index)
            case 3: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
            case 4:
                let end = min(bytes.count, index + Int.random(in: 1...40, using: &generator))
                bytes.insert(contentsOf: Array(bytes[index..<end]), at: index)
            default:
                bytes.insert(contentsOf: Array([": ", "\r\n", "\n", "\r", "\0", " ", "\t", "%"][index % 8].utf8), at: index)
            }
        }
        return bytes
    }

    /// Runs `cases` with bounded concurrency; returns the outcomes in order.
    static func runAll(_ cases: [[UInt8]], port: Int, concurrency: Int = 24) async -> [Outcome] {
        await withTaskGroup(of: (Int, Outcome).self) { group in
            var outcomes = [Outcome](repeating: .hung, count: cases.count)
            var next = 0
            func launch() {
                let index = next
                next += 1
                let bytes = cases[index]
                group.addTask { (index, await run(bytes, port: port)) }
            }
            while next < min(concurrency, cases.count) { launch() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                if next < cases.count { launch() }
            }
            return outcomes
        }
    }

    /// Cases per test: `suite` in the suite; `APPBASE_FUZZ_CASES` for a longer run by hand
    /// (e.g. 10000 for the figures of a closing note).
    static func caseCount(_ suite: Int) -> Int {
        getenv("APPBASE_FUZZ_CASES").flatMap { Int(String(cString: $0)) }.map { max(1, $0) } ?? suite
    }

    @Test("random byte strings → 4xx or close, never a hang, and the server keeps serving")
    func randomInput() async throws {
        try await withTestServer(limits: .shortTimeouts()) { server in
            var generator = SeededGenerator(seed: 0xA99B_A5E)
            let cases = (0..<Self.caseCount(250)).map { _ in Self.randomBytes(&generator) }
            let outcomes = await Self.runAll(cases, port: server.port)
            for (index, outcome) in outcomes.enumerated() {
                switch outcome {
                case .answered(let status):
                    // Over thousands of cases, random bytes after a valid request line sometimes
                    // form a valid request (`GET /health HTTP/1.1` + a header `!: <obs-text>`):
                    // its 200 is right.
                    let validHealthCheck = status == 200 && cases[index].starts(with: Array("GET /health HTTP/1.".utf8))
                    #expect((400..<500).contains(status) || validHealthCheck,
                            "case \(index) answered \(status): \(cases[index].prefix(80))")
                case .closed:
                    break
                case .hung:
                    Issue.record("case \(index) got neither an answer nor a close: \(cases[index].prefix(80))")
                }
            }
            let health = try await server.get("/health")
            #expect(health.status == 200)
            #expect(await server.waitForConnectionCount(0, timeout: .seconds(15)))
        }
    }

    @Test("mutations of valid requests → a client-error answer (or 501/505 for a refused coding or version) or a close, never a hang")
    func mutatedRequests() async throws {
        try await withTestServer(limits: .shortTimeouts()) { server in
            var generator = SeededGenerator(seed: 0x5EED_0001)
            let cases = (0..<Self.caseCount(300)).map { index in Self.mutate(Self.templates[index % Self.templates.count], &generator) }
            let outcomes = await Self.runAll(cases, port: server.port)
            var rejected = 0
            for (index, outcome) in outcomes.enumerated() {
                switch outcome {
                case .answered(let status):
                    // 501 (a transfer coding other than chunked) and 505 (a version other than 1.0/1.1)
                    // are refusals of the request's framing, not server failures.
                    #expect(status < 500 || status == 501 || status == 505, "case \(index) answered \(status): \(String(decoding: cases[index], as: UTF8.self).debugDescription)")
                    if status >= 400 { rejected += 1 }
                case .closed:
                    rejected += 1
                case .hung:
                    Issue.record("case \(index) hung: \(String(decoding: cases[index], as: UTF8.self).debugDescription)")
                }
            }
            #expect(rejected > 0)
            let health = try await server.get("/health")
            #expect(health.status == 200)
            #expect(await server.waitForConnectionCount(0, timeout: .seconds(15)))
        }
    }
}
