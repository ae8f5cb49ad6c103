import AppBaseCore
import AppBaseHTTP
import AppBaseTestSupport
import Testing
@testable import AppBasePlatform
#if canImport(Glibc)
import Glibc
#endif

/// The JavaScript SDK on every app's port (`/sdk/…`) and a configured `site_dir` at `/app/`,
/// on a live server; plus the `site_dir` config key and the hosted site's CSP.
@Suite("SDK and /app/ routes")
struct AppSiteRoutesTests {
    private static func get(_ port: Int, _ path: String, headers: [(String, String)] = []) async throws -> RawHTTPResponse {
        try await RawHTTPClient.exchange(port: port, pieces: [RawRequest.make("GET", path, headers: headers)], method: "GET")
    }

    private static func write(_ path: String, _ text: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        try #require(bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) } == bytes.count)
    }

    @Test("every app serves the SDK with a strong ETag, CORS, and a 304 on revalidation")
    func sdkIsServed() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        let port = try #require(server.ports.apps["alpha"])
        let module = try await Self.get(port, "/sdk/appbase.js", headers: [("Origin", "http://lan-page.example")])
        #expect(module.status == 200)
        #expect(module.header("content-type") == "text/javascript; charset=utf-8")
        #expect(module.header("access-control-allow-origin") == "*")
        #expect(module.bodyText.contains("export class AppBase"))
        let etag = try #require(module.header("etag"))
        #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"))
        #expect(try await Self.get(port, "/sdk/appbase.js", headers: [("If-None-Match", etag)]).status == 304)
        let types = try await Self.get(port, "/sdk/appbase.d.ts")
        #expect(types.status == 200)
        #expect(types.header("content-type") == "application/typescript; charset=utf-8")
        #expect(try await Self.get(port, "/sdk/other.js").status == 404)
        // Without site_dir there is no /app/.
        #expect(try await Self.get(port, "/app/").status == 404)
        await server.stop()
    }

    @Test("site_dir is served at /app/ with index, redirect, fallback and no way out")
    func siteDirectoryIsServed() async throws {
        let site = try TemporaryDirectory.make(prefix: "app-site")
        defer { TemporaryDirectory.remove(site) }
        try #require(mkdir(site + "/js", 0o700) == 0)
        try Self.write(site + "/index.html", "<title>demo</title>")
        try Self.write(site + "/js/app.js", "export const x = 1")
        let server = try await LiveServer.start(apps: ["alpha"]) { configuration in
            configuration.apps[0].siteDirectory = site
        }
        let port = try #require(server.ports.apps["alpha"])
        let index = try await Self.get(port, "/app/")
        #expect(index.status == 200)
        #expect(index.bodyText == "<title>demo</title>")
        #expect(index.header("content-security-policy") == SafeContentHeaders.sitePolicy)
        let redirect = try await Self.get(port, "/app")
        #expect(redirect.status == 308)
        #expect(redirect.header("location") == "/app/")
        let script = try await Self.get(port, "/app/js/app.js")
        #expect(script.status == 200 && script.bodyText == "export const x = 1")
        #expect(script.header("content-type") == "text/javascript; charset=utf-8")
        #expect(try await Self.get(port, "/app/vault/42").bodyText == "<title>demo</title>", "single-page fallback")
        #expect(try await Self.get(port, "/app/missing.js").status == 404)
        for escape in ["/app/..%2f..%2fetc/passwd", "/app/js/..%2f..%2f..%2fetc%2fpasswd", "/app/%2e%2e/x.js"] {
            let response = try await Self.get(port, escape)
            #expect(response.status == 404, "\(escape): \(response.status)")
        }
        // The API is still the API on the same port.
        #expect(try await Self.get(port, "/health").status == 200)
        await server.stop()
    }

    @Test("site_dir is resolved against the config file's directory and must exist")
    func siteDirectoryConfig() throws {
        let configuration = try ConfigLoader.load(path: "Configuration/appbase.toml")
        #expect(configuration.app(named: "password-manager")?.siteDirectory == "Configuration/../Examples/password-manager")
        #expect(configuration.app(named: "notes")?.siteDirectory == nil)
        #expect {
            _ = try ConfigLoader.parse("[apps.a]\nsite_dir = \"no/such/dir\"\n", file: "/tmp/appbase.toml")
        } throws: { error in
            String(describing: error).contains("apps.a.site_dir") && String(describing: error).contains("/tmp/no/such/dir")
        }
    }

    @Test("a hosted site may call and import from its own app's API host, nothing else")
    func hostedSitePolicy() {
        let policy = SiteHost.policy(app: "vault", domain: "appbase.local")
        #expect(policy.hasPrefix(SafeContentHeaders.sitePolicy))
        #expect(policy.contains("connect-src 'self' api.vault.appbase.local:*"))
        #expect(policy.contains("script-src 'self' api.vault.appbase.local:*"))
        let office = SiteHost.policy(app: "vault", domain: "office.local")
        #expect(office.contains("connect-src 'self' api.vault.office.local:*"), "the configured mDNS domain")
    }
}
