import AppBaseCore
import AppBaseHTTP
import AppBaseTestSupport
import AppBaseWeb
import Crypto
import Logging
import Testing

/// The embedded control page and UI kit served by `StaticAssetRoutes` on a real server:
/// media types, validators, HEAD, security headers and what is not there.
@Suite("Static asset routes")
struct StaticAssetRoutesTests {
    static func withServer(_ body: (Int) async throws -> Void) async throws {
        var routes = RouteTable()
        ControlPageRoutes.register(on: &routes)
        let router = Router(app: "master", routes: routes, cors: .disabled, limits: HTTPLimits(), authenticator: nil,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let host = try await TestHTTPHost.start(serving: router)
        do {
            try await body(host.port)
        } catch {
            await host.shutdown()
            throw error
        }
        await host.shutdown()
    }

    static func get(_ port: Int, _ path: String, method: String = "GET", headers: [(String, String)] = []) async throws -> RawHTTPResponse {
        try await RawHTTPClient.exchange(port: port, pieces: [RawRequest.make(method, path, headers: headers)], method: method)
    }

    @Test("the build embedded the page, its modules and the kit")
    func embedded() {
        #expect(WebAssets.control.paths.contains("index.html"))
        #expect(WebAssets.control.paths.contains("app.js"))
        #expect(WebAssets.kit.paths.contains("sse.js"))
        let index = WebAssets.control["index.html"]
        #expect(index.map { String(decoding: $0.bytes, as: UTF8.self).hasPrefix("<!doctype html>") } == true)
        // 16 bytes of SHA-256 in hex, quoted: a strong validator.
        #expect(index?.etag.utf8.count == 34 && index?.etag.hasPrefix("\"") == true && index?.etag.hasPrefix("W/") == false)
        #expect(Set(WebAssets.control.paths.compactMap { WebAssets.control[$0]?.etag }).count == WebAssets.control.paths.count)
    }

    @Test("every ETag is the first 16 bytes of the asset's SHA-256 (checked against swift-crypto)")
    func etagsAreContentHashes() {
        for set in [WebAssets.control, WebAssets.kit, WebAssets.dashboard] {
            for path in set.paths {
                guard let asset = set[path] else { continue }
                let digest = SHA256.hash(data: asset.bytes).prefix(16).map { byte in
                    let hex = String(byte, radix: 16)
                    return byte < 16 ? "0" + hex : hex
                }.joined()
                #expect(asset.etag == "\"\(digest)\"", "\(set.name)/\(path)")
            }
        }
    }

    @Test("each kind of asset has its media type", arguments: [
        ("/", "text/html; charset=utf-8"),
        ("/control/", "text/html; charset=utf-8"),
        ("/control/index.html", "text/html; charset=utf-8"),
        ("/control/app.js", "text/javascript; charset=utf-8"),
        ("/control/control.css", "text/css; charset=utf-8"),
        ("/control/icon.svg", "image/svg+xml"),
        ("/kit/sse.js", "text/javascript; charset=utf-8"),
        ("/kit/kit.css", "text/css; charset=utf-8"),
    ])
    func contentTypes(path: String, type: String) async throws {
        try await Self.withServer { port in
            let response = try await Self.get(port, path)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == type)
            #expect(!response.body.isEmpty)
        }
    }

    @Test("every answer carries the security headers and no-cache")
    func securityHeaders() async throws {
        try await Self.withServer { port in
            for path in ["/", "/control/app.js", "/kit/kit.css"] {
                let response = try await Self.get(port, path)
                #expect(response.header("Content-Security-Policy") ==
                    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
                #expect(response.header("X-Content-Type-Options") == "nosniff")
                #expect(response.header("Referrer-Policy") == "no-referrer")
                #expect(response.header("Cache-Control") == "no-cache")
            }
        }
    }

    @Test("If-None-Match with the ETag is 304 without a body; a stale one gets the bytes")
    func conditional() async throws {
        try await Self.withServer { port in
            let first = try await Self.get(port, "/control/app.js")
            let etag = try #require(first.header("ETag"))
            #expect(etag == WebAssets.control["app.js"]?.etag)
            #expect(first.body == WebAssets.control["app.js"]?.bytes)

            let again = try await Self.get(port, "/control/app.js", headers: [("If-None-Match", etag)])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(again.header("ETag") == etag)
            #expect(again.header("Content-Security-Policy") != nil)

            let listed = try await Self.get(port, "/control/app.js", headers: [("If-None-Match", "\"stale\", W/\(etag)")])
            #expect(listed.status == 304, "weak comparison: W/ is ignored, any listed tag matches")
            let star = try await Self.get(port, "/control/app.js", headers: [("If-None-Match", "*")])
            #expect(star.status == 304)

            let stale = try await Self.get(port, "/control/app.js", headers: [("If-None-Match", "\"0123456789abcdef\"")])
            #expect(stale.status == 200)
            #expect(stale.body == first.body)
            // Another asset's tag does not validate this one.
            let other = try #require(WebAssets.control["index.html"]?.etag)
            #expect(try await Self.get(port, "/control/app.js", headers: [("If-None-Match", other)]).status == 200)
        }
    }

    @Test("HEAD has the GET headers and no body")
    func head() async throws {
        try await Self.withServer { port in
            let response = try await Self.get(port, "/control/index.html", method: "HEAD")
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
            #expect(response.header("ETag") == WebAssets.control["index.html"]?.etag)
            #expect(response.header("Content-Length") == WebAssets.control["index.html"].map { String($0.bytes.count) })
        }
    }

    @Test("unknown assets and traversal attempts are JSON 404s", arguments: [
        "/control/nope.js", "/control/..%2fkit%2fsse.js", "/control/../kit/sse.js", "/kit/..%2f..%2fetc%2fpasswd",
        "/control/%2e%2e/%2e%2e/Package.swift", "/control/APP.JS", "/index.html/..",
    ])
    func notFound(path: String) async throws {
        try await Self.withServer { port in
            let response = try await Self.get(port, path)
            #expect(response.status == 404, "\(path)")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.bodyText.contains(#""code":"not_found""#))
        }
    }

    @Test("a write to an asset is 405, not a silent success")
    func writeRefused() async throws {
        try await Self.withServer { port in
            let response = try await Self.get(port, "/control/app.js", method: "POST", headers: [("Content-Length", "0")])
            #expect(response.status == 405)
        }
    }
}
