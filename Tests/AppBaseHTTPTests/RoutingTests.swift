import AppBaseHTTP
import AppBaseTestSupport
import Testing
import AppBaseCore

@Suite("Routing, request ids and CORS", .timeLimit(.minutes(3)))
struct RoutingTests {
    @Test("405 with Allow listing the route's methods")
    func methodNotAllowed() async throws {
        try await withTestServer { server in
            let response = try await server.exchange(RawRequest.make("PATCH", "/items/9", body: RawRequest.bytes("{}")),
                                                     method: "PATCH")
            #expect(response.status == 405)
            #expect(response.errorCode == "method_not_allowed")
            #expect(response.header("Allow") == "DELETE, GET, HEAD, OPTIONS")
            #expect(response.header("X-Request-Id") == response.errorRequestID)
        }
    }

    @Test("paths match segment by segment: repeated and trailing slashes are skipped, extra or missing segments are 404",
          arguments: [("/health", 200), ("//health/", 200), ("/items//42", 200), ("/items/42/", 200),
                      ("/items", 404), ("/items/42/extra", 404), ("/", 404), ("/healthz", 404), ("/items/%34%32", 200)])
    func pathSegments(path: String, status: Int) async throws {
        try await withTestServer { server in
            let response = try await server.get(path)
            #expect(response.status == status, "\(path)")
            if status == 200 && path.contains("items") { #expect(response.json["id"]?.stringValue == "42") }
        }
    }

    @Test("404 JSON whose requestId matches the X-Request-Id header")
    func notFound() async throws {
        try await withTestServer { server in
            let response = try await server.get("/no/such/route")
            #expect(response.status == 404)
            #expect(response.errorCode == "not_found")
            #expect(response.header("Content-Type") == "application/json")
            let requestID = try #require(response.header("X-Request-Id"))
            #expect(!requestID.isEmpty)
            #expect(response.errorRequestID == requestID)
            #expect(response.json["error"]?["message"]?.stringValue?.contains("/no/such/route") == true)
        }
    }

    @Test("every response carries X-Request-Id and Referrer-Policy: no-referrer")
    func commonHeaders() async throws {
        try await withTestServer(fileSize: 4096) { server in
            let client = try await server.connect()
            try await client.send(RawRequest.make("GET", "/health")
                + RawRequest.make("GET", "/missing")
                + RawRequest.make("POST", "/collect", body: RawRequest.bytes("x"))
                + RawRequest.make("GET", "/stream?chunks=2")
                + RawRequest.make("GET", "/file")
                + RawRequest.make("HEAD", "/health")
                + RawRequest.make("OPTIONS", "/items/1", headers: [("Origin", "https://a.example"),
                                                                  ("Access-Control-Request-Method", "GET")]))
            let responses = try await client.readResponses(methods: ["GET", "GET", "POST", "GET", "GET", "HEAD", "OPTIONS"])
            #expect(responses.map(\.status) == [200, 404, 200, 200, 200, 200, 204])
            for response in responses {
                #expect(response.headerCount("X-Request-Id") == 1)
                #expect(response.headerValues("Referrer-Policy") == ["no-referrer"])
                #expect(response.header("Date")?.hasSuffix(" GMT") == true)
            }
            #expect(Set(responses.compactMap { $0.header("X-Request-Id") }).count == responses.count)
            await client.close()
        }
    }

    @Test("a plain client X-Request-Id is echoed; an unsafe one is replaced")
    func requestIDEcho() async throws {
        try await withTestServer { server in
            let echoed = try await server.get("/health", headers: [("X-Request-Id", "client-id_1.2")])
            #expect(echoed.header("X-Request-Id") == "client-id_1.2")
            let missing = try await server.get("/nope", headers: [("X-Request-Id", "trace-42")])
            #expect(missing.header("X-Request-Id") == "trace-42")
            #expect(missing.errorRequestID == "trace-42")
            let unsafe = try await server.get("/health", headers: [("X-Request-Id", "evil id\"<script>")])
            let replaced = try #require(unsafe.header("X-Request-Id"))
            #expect(replaced != "evil id\"<script>")
            #expect(replaced.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
            let tooLong = try await server.get("/health", headers: [("X-Request-Id", String(repeating: "a", count: 65))])
            #expect(tooLong.header("X-Request-Id")?.count ?? 0 < 65)
        }
    }

    @Test("path parameters are percent-decoded")
    func pathParameters() async throws {
        try await withTestServer { server in
            let response = try await server.get("/items/a%20b?x=1")
            #expect(response.status == 200)
            #expect(response.json["id"]?.stringValue == "a b")
        }
    }

    @Test("CORS preflight → 204 with the allowed methods, headers and max age")
    func preflight() async throws {
        try await withTestServer { server in
            let response = try await server.exchange(RawRequest.make("OPTIONS", "/items/5", headers: [
                ("Origin", "https://app.example"),
                ("Access-Control-Request-Method", "DELETE"),
                ("Access-Control-Request-Headers", "x-api-key, authorization"),
            ]), method: "OPTIONS")
            #expect(response.status == 204)
            #expect(response.body.isEmpty)
            #expect(response.header("Access-Control-Allow-Origin") == "*")
            let methods = response.header("Access-Control-Allow-Methods") ?? ""
            #expect(methods.contains("DELETE") && methods.contains("GET"))
            let allowed = (response.header("Access-Control-Allow-Headers") ?? "").lowercased()
            #expect(allowed.contains("x-api-key"))
            #expect(allowed.contains("authorization"))
            #expect(response.header("Access-Control-Max-Age") == "600")
            #expect(response.header("X-Request-Id") != nil)
        }
    }

    @Test("a GET with Origin gets Allow-Origin and Expose-Headers")
    func simpleCORS() async throws {
        try await withTestServer { server in
            for path in ["/health", "/items/1", "/missing"] {
                let response = try await server.get(path, headers: [("Origin", "https://app.example")])
                #expect(response.header("Access-Control-Allow-Origin") == "*", "\(path)")
                let exposed = response.header("Access-Control-Expose-Headers") ?? ""
                for name in ["ETag", "X-Request-Id", "Retry-After"] {
                    #expect(exposed.contains(name), "\(path) does not expose \(name)")
                }
            }
            let sameOrigin = try await server.get("/health")
            #expect(sameOrigin.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test("a restricted origin list allows its origins and rejects others")
    func restrictedOrigins() async throws {
        let cors = CORSPolicy(allowedOrigins: ["https://good.example"])
        try await withTestServer(cors: cors) { server in
            let good = try await server.get("/items/1", headers: [("Origin", "https://good.example")])
            #expect(good.header("Access-Control-Allow-Origin") == "https://good.example")
            #expect(good.header("Vary") == "Origin")

            let bad = try await server.get("/items/1", headers: [("Origin", "https://evil.example")])
            #expect(bad.header("Access-Control-Allow-Origin") == nil)

            let goodPreflight = try await server.exchange(RawRequest.make("OPTIONS", "/items/1", headers: [
                ("Origin", "https://good.example"), ("Access-Control-Request-Method", "GET"),
            ]), method: "OPTIONS")
            #expect(goodPreflight.status == 204)
            #expect(goodPreflight.header("Access-Control-Allow-Origin") == "https://good.example")

            let badPreflight = try await server.exchange(RawRequest.make("OPTIONS", "/items/1", headers: [
                ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET"),
            ]), method: "OPTIONS")
            #expect(badPreflight.status == 403)
            #expect(badPreflight.errorCode == "forbidden")
            #expect(badPreflight.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test("CORS disabled: no CORS headers at all")
    func corsDisabled() async throws {
        try await withTestServer(cors: .disabled) { server in
            let response = try await server.get("/health", headers: [("Origin", "https://app.example")])
            #expect(response.status == 200)
            #expect(response.header("Access-Control-Allow-Origin") == nil)
        }
    }
}
