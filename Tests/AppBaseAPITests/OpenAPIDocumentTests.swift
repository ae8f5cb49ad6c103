import AppBaseCore
import AppBaseHTTP
@testable import AppBasePlatform
import AppBaseTestSupport
import AppBaseTLS
import OrderedCollections
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `/openapi.json` cannot drift from the routes (ADR 0038): for an assembled app and for the
/// master, with every optional route family switched on (`site_dir`, `[tls]`, `[faults]`), the
/// routes the real routers registered and the operations the served documents name must be the
/// same set. Also: the documents are served as JSON with a strong ETag (and `304`) and carry the
/// server's version, `/docs` serves the page, and every error code of docs/API-SPEC.md's table is
/// in the error schema.
@Suite struct OpenAPIDocumentTests {
    /// Starts one app with every optional family on, runs `body`, stops the server.
    private static func withFullServer(_ body: (LiveServer) async throws -> Void) async throws {
        let site = try TemporaryDirectory.make(prefix: "openapi-site")
        defer { TemporaryDirectory.remove(site) }
        try await LiveServer.with(apps: ["alpha"], configure: { configuration in
            configuration.apps[0].siteDirectory = site
            configuration.tls.enabled = true
            configuration.faults.enabled = true
        }, body)
    }

    @Test("The app's document names exactly the routes an assembled app registers")
    func appDocumentMatchesTheAppRouter() async throws {
        try await Self.withFullServer { server in
            let port = try #require(server.ports.apps["alpha"])
            let document = try await Self.document(port: port)
            let router = try #require(await server.root.registry?.appRouters.value["alpha"] as? Router)
            Self.expectSameRoutes(registered: router, documented: document, name: "app")
        }
    }

    @Test("The master's document names exactly the routes the control plane registers")
    func masterDocumentMatchesTheMasterRouter() async throws {
        try await Self.withFullServer { server in
            let document = try await Self.document(port: server.ports.master)
            let router = try #require(await server.root.masterRouter)
            Self.expectSameRoutes(registered: router, documented: document, name: "master")
        }
    }

    @Test("/openapi.json is JSON with a strong ETag and 304 on If-None-Match; /docs serves the page")
    func documentAndPageAreServed() async throws {
        try await Self.withFullServer { server in
            for port in [try #require(server.ports.apps["alpha"]), server.ports.master] {
                let first = try await Self.get(port: port, path: "/openapi.json")
                #expect(first.status == 200)
                #expect(first.header("content-type") == "application/json")
                let etag = try #require(first.header("etag"))
                #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count == 34)
                let again = try await Self.get(port: port, path: "/openapi.json", headers: ["If-None-Match: \(etag)"])
                #expect(again.status == 304)
                #expect(again.body.isEmpty)
                let document = try JSONParser.parse(first.body, maxDepth: 64)
                #expect(document["openapi"]?.stringValue == "3.1.0")
                #expect(document["info"]?["version"]?.stringValue == AppBaseVersion.current)
                let page = try await Self.get(port: port, path: "/docs")
                #expect(page.status == 200)
                #expect(page.header("content-type") == "text/html; charset=utf-8")
                #expect(String(decoding: page.body, as: UTF8.self).contains("/docs/docs.js"))
                let script = try await Self.get(port: port, path: "/docs/docs.js")
                #expect(script.status == 200)
                #expect(script.header("content-type") == "text/javascript; charset=utf-8")
            }
        }
    }

    @Test("Every error code of the table in docs/API-SPEC.md is in both documents' error schema")
    func everyErrorCodeIsDocumented() async throws {
        let spec = try Self.readRepositoryFile("docs/API-SPEC.md")
        // Rows of the error table: "| `code` | 400 | meaning |".
        let codes = spec.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingASCIISpaces() }
            guard cells.count >= 4, cells[1].hasPrefix("`"), cells[1].hasSuffix("`"), Int(cells[2]) != nil else { return nil }
            return String(cells[1].dropFirst().dropLast())
        }
        #expect(codes.count >= 40, "the error table was not found in docs/API-SPEC.md")
        try await Self.withFullServer { server in
            for port in [try #require(server.ports.apps["alpha"]), server.ports.master] {
                let document = try await Self.document(port: port)
                let documented = Set(document["components"]?["schemas"]?["ErrorCode"]?["enum"]?.arrayValue?
                    .compactMap(\.stringValue) ?? [])
                let missing = Set(codes).subtracting(documented).sorted()
                #expect(missing.isEmpty, "error codes missing from the document on port \(port): \(missing)")
            }
        }
    }

    // MARK: - Comparing routes

    /// A route as both sides can name it: the method (`HEAD` folds into `GET`, which answers it)
    /// and the path's segments, parameters written `:name` (empty segments dropped, as the router does).
    struct RouteKey: Hashable, Comparable, CustomStringConvertible {
        let method: String
        let path: String

        init(method: String, segments: [String]) {
            let upper = method.uppercased()
            self.method = upper == "HEAD" ? "GET" : upper
            path = "/" + segments.joined(separator: "/")
        }

        var description: String { "\(method) \(path)" }
        static func < (lhs: RouteKey, rhs: RouteKey) -> Bool { lhs.description < rhs.description }
    }

    private static func expectSameRoutes(registered router: Router, documented document: JSONValue, name: String) {
        let registered = Set(router.registeredRoutes.map { route in
            RouteKey(method: route.method.rawValue, segments: route.pattern.split(separator: "/").map(String.init))
        })
        let documented = operations(in: document)
        let missing = registered.subtracting(documented).sorted()
        let extra = documented.subtracting(registered).sorted()
        #expect(missing.isEmpty, "routes of the \(name) router missing from its /openapi.json: \(missing)")
        #expect(extra.isEmpty, "operations in the \(name) /openapi.json that no route serves: \(extra)")
    }

    static let methods = ["get", "head", "post", "put", "patch", "delete"]

    /// Every operation of an OpenAPI document as route keys. A path parameter whose schema is an
    /// `enum` stands for one literal route per value (`/kit/{file}`: one route per embedded file).
    static func operations(in document: JSONValue) -> Set<RouteKey> {
        var keys: Set<RouteKey> = []
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            let shared = item["parameters"]?.arrayValue ?? []
            for method in methods {
                guard let operation = item[method] else { continue }
                let parameters = shared + (operation["parameters"]?.arrayValue ?? [])
                for segments in expand(path: path, parameters: parameters, in: document) {
                    keys.insert(RouteKey(method: method, segments: segments))
                }
            }
        }
        return keys
    }

    /// The path's segments with `{name}` as `:name`, or once per value of an `enum` parameter.
    private static func expand(path: String, parameters: [JSONValue], in document: JSONValue) -> [[String]] {
        var variants: [[String]] = [[]]
        for part in path.split(separator: "/").map(String.init) {
            guard part.hasPrefix("{"), part.hasSuffix("}") else {
                variants = variants.map { $0 + [part] }
                continue
            }
            let name = String(part.dropFirst().dropLast())
            let parameter = parameters.map { resolve($0, in: document) }.first {
                $0["name"]?.stringValue == name && $0["in"]?.stringValue == "path"
            }
            let values = parameter?["schema"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let choices = values.isEmpty ? [":" + name] : values
            variants = variants.flatMap { prefix in choices.map { prefix + [$0] } }
        }
        return variants
    }

    /// Follows a local `$ref` (`#/components/parameters/Collection`).
    private static func resolve(_ value: JSONValue, in document: JSONValue) -> JSONValue {
        guard let reference = value["$ref"]?.stringValue, reference.hasPrefix("#/") else { return value }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node ?? value
    }

    // MARK: - HTTP

    private static func get(port: Int, path: String, headers: [String] = []) async throws -> RawHTTPResponse {
        let head = (["GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"] + headers).joined(separator: "\r\n")
        return try await RawHTTPClient.exchange(port: port, pieces: [Array((head + "\r\n\r\n").utf8)])
    }

    private static func document(port: Int) async throws -> JSONValue {
        let response = try await get(port: port, path: "/openapi.json")
        #expect(response.status == 200)
        // The documents are large and shallow; the default depth limit is for request bodies.
        return try JSONParser.parse(response.body, maxDepth: 64)
    }

    private static func readRepositoryFile(_ relative: String) throws -> String {
        // Tests/AppBaseAPITests/<this file> → the repository root.
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let path = "/" + root + "/" + relative
        guard let file = fopen(path, "r") else { throw TestFailure("cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
