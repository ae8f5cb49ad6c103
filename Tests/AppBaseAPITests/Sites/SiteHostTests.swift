import AppBaseCore
import AppBaseHTTP
@testable import AppBasePlatform
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Installing a site (atomic replace) and serving it: SPA fallback, content types, safe headers.
@Suite struct SiteHostTests {
    private func site() -> [UInt8] {
        var tar = TarBuilder()
        tar.add("index.html", contents: "<div id=app></div>")
        tar.add("assets/app.js", contents: "console.log(1)")
        tar.add("assets/app.css", contents: "body{}")
        tar.add("docs/", type: "5")
        tar.add("docs/index.html", contents: "<h1>docs</h1>")
        return tar.archive
    }

    private func get(_ path: String, from directory: String) -> (status: Int, type: String?, body: String, headers: HTTPHeaders) {
        let request = HTTPRequest(methodName: "GET", path: path)
        let response = SiteHost.respond(to: request, directory: directory)
        var body = ""
        if case .file(let file) = response.body {
            var bytes = [UInt8](repeating: 0, count: Int(file.length))
            _ = bytes.withUnsafeMutableBytes { pread(file.descriptor.rawValue, $0.baseAddress, $0.count, 0) }
            body = String(decoding: bytes, as: UTF8.self)
        }
        return (response.status, response.headers["content-type"], body, response.headers)
    }

    @Test func filesAreServedWithTheirTypesAndSafeHeaders() throws {
        let root = try TemporaryDirectory.make(prefix: "site")
        defer { TemporaryDirectory.remove(root) }
        let installed = try SiteInstaller.install(archive: site(), mediaType: "application/x-tar", dataRoot: root, app: "notes",
                                                  limits: SiteLimits())
        #expect(installed == SiteInstaller.Installed(files: 4, bytes: 18 + 14 + 6 + 13))
        let directory = SiteInstaller.siteDirectory(dataRoot: root, app: "notes")
        let script = get("/assets/app.js", from: directory)
        #expect(script.status == 200)
        #expect(script.type == "text/javascript; charset=utf-8")
        #expect(script.body == "console.log(1)")
        #expect(script.headers["x-content-type-options"] == "nosniff")
        #expect(script.headers["content-security-policy"] == SafeContentHeaders.sitePolicy)
        #expect(get("/assets/app.css", from: directory).type == "text/css; charset=utf-8")
        #expect(get("/", from: directory).body == "<div id=app></div>")
        #expect(get("/docs", from: directory).body == "<h1>docs</h1>")
    }

    @Test func unknownRoutesFallBackToIndexButMissingAssetsAre404() throws {
        let root = try TemporaryDirectory.make(prefix: "site")
        defer { TemporaryDirectory.remove(root) }
        _ = try SiteInstaller.install(archive: site(), mediaType: "application/x-tar", dataRoot: root, app: "notes", limits: SiteLimits())
        let directory = SiteInstaller.siteDirectory(dataRoot: root, app: "notes")
        let route = get("/notes/42/edit", from: directory)
        #expect(route.status == 200)
        #expect(route.type == "text/html; charset=utf-8")
        #expect(route.body == "<div id=app></div>")
        #expect(get("/assets/missing.js", from: directory).status == 404)
    }

    @Test(arguments: ["/../../master.sqlite", "/%2e%2e/%2e%2e/master.sqlite", "/assets/..%2f..%2fsecret", "/a%00b"])
    func requestPathsCannotLeaveTheSite(path: String) throws {
        let root = try TemporaryDirectory.make(prefix: "site")
        defer { TemporaryDirectory.remove(root) }
        try ConfigReloaderTests.write("secret", to: root + "/secret")
        try ConfigReloaderTests.write("secret", to: root + "/master.sqlite")
        _ = try SiteInstaller.install(archive: site(), mediaType: "application/x-tar", dataRoot: root, app: "notes", limits: SiteLimits())
        let answer = get(path, from: SiteInstaller.siteDirectory(dataRoot: root, app: "notes"))
        #expect(answer.status == 404)
        #expect(!answer.body.contains("secret"))
    }

    @Test func anUploadReplacesTheWholeSiteAndARefusedOneChangesNothing() throws {
        let root = try TemporaryDirectory.make(prefix: "site")
        defer { TemporaryDirectory.remove(root) }
        _ = try SiteInstaller.install(archive: site(), mediaType: "application/x-tar", dataRoot: root, app: "notes", limits: SiteLimits())
        let installed = try SiteInstaller.install(archive: SiteArchiveTests.zip, mediaType: "application/zip", dataRoot: root,
                                                  app: "notes", limits: SiteLimits())
        #expect(installed.files == 2)
        let directory = SiteInstaller.siteDirectory(dataRoot: root, app: "notes")
        #expect(get("/", from: directory).body.hasPrefix("<h1>zipped</h1>"))
        #expect(get("/assets/app.js", from: directory).status == 404)
        // Nothing left over beside the site: no staging or old directories.
        #expect(TemporaryDirectory.list(root + "/notes") == ["site"])

        var evil = TarBuilder()
        evil.add("index.html", contents: "defaced")
        evil.add("../../escape", contents: "x")
        #expect(throws: SiteArchiveError.self) {
            try SiteInstaller.install(archive: evil.archive, mediaType: "application/x-tar", dataRoot: root, app: "notes",
                                      limits: SiteLimits())
        }
        #expect(get("/", from: directory).body.hasPrefix("<h1>zipped</h1>"))
        #expect(TemporaryDirectory.list(root + "/notes") == ["site"])
        #expect(TemporaryDirectory.list(root) == ["notes"])
    }

    @Test func otherMediaTypesAreUnsupported() throws {
        let root = try TemporaryDirectory.make(prefix: "site")
        defer { TemporaryDirectory.remove(root) }
        do {
            _ = try SiteInstaller.install(archive: site(), mediaType: "application/gzip", dataRoot: root, app: "notes", limits: SiteLimits())
            Issue.record("gzip accepted")
        } catch let error as AppBaseError {
            #expect(error.status == 415)
        }
    }
}
