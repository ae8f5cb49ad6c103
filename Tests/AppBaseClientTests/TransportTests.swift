@testable import AppBaseClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("Swift SDK: transport and event-stream parsing")
struct TransportTests {
    /// The question ADR 0035 answers: FoundationNetworking's URLSession delivers an open event
    /// stream's bytes through the delegate as they arrive (not when the response ends).
    @Test("URLSession delivers an open event stream incrementally (Linux and Apple)")
    func streamsIncrementally() async throws {
        try await withServer { server in
            let (client, session) = try await server.signedInClient()
            _ = client
            var request = URLRequest(url: server.endpoint.appendingPathComponent("db/collections/notes/subscribe"))
            request.setValue(server.clientKey, forHTTPHeaderField: "X-API-Key")
            request.setValue("Bearer \(session.accessToken)", forHTTPHeaderField: "Authorization")
            let transport = HTTPTransport()
            var parser = ServerSentEventParser()
            var head: HTTPHead?
            var events: [ServerSentEvent] = []
            // The server never ends this response: reaching `ready` proves incremental delivery.
            for try await part in transport.open(request) {
                switch part {
                case .head(let received): head = received
                case .body(let chunk): events += parser.feed(chunk)
                }
                if events.contains(where: { $0.event == "ready" }) || events.count > 16 { break }
            }
            #expect(head?.status == 200)
            #expect(head?.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(events.map(\.event) == ["ready"])
            #expect(parser.retryMilliseconds != nil)
        }
    }

    @Test("the parser handles any chunking, CRLF, comments, multi-line data and retry")
    func parser() {
        let text = ": comment\r\nretry: 1500\r\n\r\nevent: create\nid: 7\ndata: {\"a\":\ndata: 1}\n\nid: 8\ndata: plain\r\r"
        let bytes = Array(text.utf8)
        for size in [1, 2, 3, 5, 64] {
            var parser = ServerSentEventParser()
            var events: [ServerSentEvent] = []
            var index = 0
            while index < bytes.count {
                events += parser.feed(Data(bytes[index..<min(index + size, bytes.count)]))
                index += size
            }
            #expect(events == [ServerSentEvent(event: "create", data: "{\"a\":\n1}", id: "7"),
                               ServerSentEvent(event: "message", data: "plain", id: "8")], "chunk size \(size)")
            #expect(parser.retryMilliseconds == 1500)
        }
    }

    @Test("Retry-After is honoured on 429 and 503 only, a bounded number of times and length")
    func retryAfter() {
        var options = ClientOptions()
        options.maxRetries = 2
        options.maxRetryAfterSeconds = 5
        let client = APIClient(endpoint: URL(fileURLWithPath: "/"), apiKey: "k", sessionStore: MemorySessionStore(), options: options)
        let busy = HTTPHead(status: 503, headers: ["retry-after": "1"])
        #expect(client.retryDelay(busy, retries: 0) == 1)
        #expect(client.retryDelay(HTTPHead(status: 429, headers: ["retry-after": "2"]), retries: 1) == 2)
        #expect(client.retryDelay(busy, retries: 2) == nil)
        #expect(client.retryDelay(HTTPHead(status: 503, headers: ["retry-after": "60"]), retries: 0) == nil)
        #expect(client.retryDelay(HTTPHead(status: 500, headers: ["retry-after": "1"]), retries: 0) == nil)
        #expect(client.retryDelay(HTTPHead(status: 503, headers: [:]), retries: 0) == nil)
    }

    @Test("paths and queries are percent-encoded")
    func urls() {
        let request = APIRequest("GET", ["db", "collections", "a b"], query: [("filter", #"title = "x&y" && n > 1"#)])
        let url = request.url(endpoint: URL(string: "http://127.0.0.1:3101/")!)
        #expect(url.absoluteString == "http://127.0.0.1:3101/db/collections/a%20b?filter=title%20%3D%20%22x%26y%22%20%26%26%20n%20%3E%201")
    }
}
