@testable import AppBaseHTTP
import AppBaseTestSupport
import Testing

/// Request framing a proxy in front could read differently from us (request smuggling): each
/// lever is refused with one error answer and a close, and the request hidden behind it is
/// never processed.
@Suite("Request framing (smuggling levers)", .timeLimit(.minutes(1)))
struct FramingTests {
    /// A lever, the status and code it must get, and the request that would be smuggled.
    struct Lever: Sendable, CustomTestStringConvertible {
        var name: String
        var head: String
        var status: Int
        var code: String
        var testDescription: String { name }
    }

    static let smuggled = "GET /items/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"

    static let levers: [Lever] = [
        Lever(name: "obs-fold carrying Transfer-Encoding beside Content-Length",
              head: "POST /collect HTTP/1.1\r\nHost: x\r\nX-A: b\r\n Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc",
              status: 400, code: "bad_request"),
        Lever(name: "obs-fold of an ordinary header",
              head: "GET /health HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\tc\r\n\r\n", status: 400, code: "bad_request"),
        Lever(name: "Content-Length with leading zeros",
              head: "POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: 005\r\n\r\nabcde", status: 400, code: "bad_request"),
        Lever(name: "Content-Length with a sign",
              head: "POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nabcde", status: 400, code: "bad_request"),
        Lever(name: "Transfer-Encoding xchunked",
              head: "POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", status: 501, code: "not_implemented"),
        Lever(name: "Transfer-Encoding gzip, chunked",
              head: "POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501, code: "not_implemented"),
        Lever(name: "Transfer-Encoding identity",
              head: "POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", status: 501, code: "not_implemented"),
        Lever(name: "Transfer-Encoding twice",
              head: "POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
              status: 400, code: "bad_request"),
        Lever(name: "a method the parser does not know (QUERY)",
              head: "QUERY /health HTTP/1.1\r\nHost: x\r\n\r\n", status: 501, code: "not_implemented"),
        Lever(name: "an unknown method after leading empty lines",
              head: "\r\nFROB /health HTTP/1.1\r\nHost: x\r\n\r\n", status: 501, code: "not_implemented"),
        Lever(name: "a method with a non-token byte",
              head: "QU@RY /health HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, code: "bad_request"),
        Lever(name: "an unknown word with no request line behind it",
              head: "NOT HTTP AT ALL\r\n\r\n", status: 400, code: "bad_request"),
        Lever(name: "an unknown method with a bad version",
              head: "QUERY /health HTTP/1.x\r\nHost: x\r\n\r\n", status: 400, code: "bad_request"),
        Lever(name: "a method longer than 64 bytes",
              head: String(repeating: "Q", count: 65) + " /health HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, code: "bad_request"),
        Lever(name: "bare LF line endings",
              head: "GET /health HTTP/1.1\nHost: x\n\n", status: 400, code: "bad_request"),
        Lever(name: "bare LF in one header line",
              head: "GET /health HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", status: 400, code: "bad_request"),
        Lever(name: "bare CR", head: "GET /health HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", status: 400, code: "bad_request"),
        Lever(name: "NUL in Host", head: "GET /health HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", status: 400, code: "bad_request"),
        Lever(name: "HTTP/1.2", head: "GET /health HTTP/1.2\r\nHost: x\r\n\r\n", status: 505, code: "http_version_not_supported"),
        Lever(name: "HTTP/2.0", head: "GET /health HTTP/2.0\r\nHost: x\r\n\r\n", status: 505, code: "http_version_not_supported"),
        Lever(name: "HTTP/9.9", head: "GET /health HTTP/9.9\r\nHost: x\r\n\r\n", status: 505, code: "http_version_not_supported"),
    ]

    @Test("each lever gets one error answer and a close; the request behind it is never processed", arguments: levers)
    func leverRefused(_ lever: Lever) async throws {
        try await withTestServer { server in
            let client = try await server.connect()
            try await client.send(lever.head + FramingTests.smuggled)
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == lever.status, "\(lever.name): \(response.status) \(response.errorCode ?? "")")
            #expect(response.errorCode == lever.code)
            #expect(response.closesConnection)
            let rest = try await client.readUntilClosed()
            #expect(rest.isEmpty, "a second answer followed: \(String(decoding: rest, as: UTF8.self))")
            // The server still serves.
            #expect(try await server.get("/health").status == 200)
        }
    }

    @Test("HTTP/1.0 and HTTP/1.1 are served; leading empty lines before the request line are allowed")
    func acceptedVersions() async throws {
        try await withTestServer { server in
            for head in ["GET /health HTTP/1.0\r\n\r\n", "\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"] {
                let client = try await server.connect()
                try await client.send(head)
                #expect(try await client.readResponse().status == 200, "\(head.debugDescription)")
            }
        }
    }

    @Test("header values lose optional whitespace on both sides")
    func valueWhitespaceTrimmed() throws {
        var builder = RequestHeadBuilder()
        let limits = HTTPLimits.test()
        for (name, value) in [("X-API-Key", "  k1 \t"), ("X-Other", "\ta b ")] {
            _ = Array(name.utf8).withUnsafeBytes { builder.appendFieldName($0, limits: limits) }
            _ = Array(value.utf8).withUnsafeBytes { builder.appendFieldValue($0, limits: limits) }
        }
        builder.finishFields()
        #expect(builder.fields.map(\.name) == ["x-api-key", "x-other"])
        #expect(builder.fields.map(\.value) == ["k1", "a b"])
    }

    @Test("the head scanner finds the head's end across reads and ignores the body")
    func scannerAcrossReads() {
        var scanner = HeadFramingScanner()
        let pieces = ["GET / HTTP/1.1\r", "\nHost: x\r\n", "\r", "\nbody\nwith\u{0}anything"]
        var outcomes: [HeadFramingScanner.Outcome] = []
        for piece in pieces { outcomes.append(Array(piece.utf8).withUnsafeBytes { scanner.scan($0) }) }
        #expect(outcomes == [.headContinues, .headContinues, .headContinues, .headEnds(consumed: 1)])
    }
}
