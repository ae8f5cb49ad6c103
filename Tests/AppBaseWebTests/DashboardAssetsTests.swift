import AppBaseHTTP
import Testing
import AppBaseWeb

/// The embedded dashboard: every module it imports and every file its page names is embedded (a typo
/// would only show in a browser), and nothing in it would be refused by the page's CSP.
@Suite("Dashboard assets")
struct DashboardAssetsTests {
    /// `/kit/x.js` or `/dashboard/x.js` → the asset, or nil.
    static func asset(at path: String) -> WebAsset? {
        if path.hasPrefix("/kit/") { return WebAssets.kit[String(path.dropFirst(5))] }
        if path.hasPrefix("/dashboard/") { return WebAssets.dashboard[String(path.dropFirst(11))] }
        return nil
    }

    /// Absolute paths quoted in `text` after `from `, `src=`/`href=` or `import(`.
    static func referencedPaths(in text: String) -> [String] {
        var paths: [String] = []
        for marker in ["from '", "src=\"", "href=\""] {
            for piece in text.split(separator: marker, omittingEmptySubsequences: false).dropFirst() {
                let quote: Character = marker.hasSuffix("'") ? "'" : "\""
                guard let end = piece.firstIndex(of: quote) else { continue }
                let path = String(piece[..<end])
                if path.hasPrefix("/kit/") || path.hasPrefix("/dashboard/") { paths.append(path) }
            }
        }
        return paths
    }

    @Test("the page and its modules name only embedded files")
    func referencesResolve() throws {
        #expect(WebAssets.dashboard.paths.contains("index.html"))
        var checked = 0
        for set in [WebAssets.dashboard, WebAssets.kit] {
            for path in set.paths where path.hasSuffix(".js") || path.hasSuffix(".html") {
                let text = String(decoding: try #require(set[path]).bytes, as: UTF8.self)
                for reference in Self.referencedPaths(in: text) {
                    #expect(Self.asset(at: reference) != nil, "\(set.name)/\(path) names \(reference), which is not embedded")
                    checked += 1
                }
            }
        }
        #expect(checked > 20)
    }

    @Test("no inline script, inline style or innerHTML anywhere in the dashboard (the CSP would refuse them)")
    func cspClean() throws {
        for path in WebAssets.dashboard.paths {
            let text = String(decoding: try #require(WebAssets.dashboard[path]).bytes, as: UTF8.self)
            #expect(!text.contains("innerHTML"), "\(path)")
            #expect(!text.contains("style=\""), "\(path)")
            #expect(!text.contains("'style'"), "\(path)")
            if path.hasSuffix(".html") { #expect(!text.contains("<script>"), "\(path)") }
        }
    }

    @Test("the page is served with the strict CSP and a strong ETag; a matching If-None-Match is 304")
    func served() throws {
        let page = try #require(WebAssets.dashboard["index.html"])
        let response = StaticAssetRoutes.response(for: page, request: Self.request("/dashboard/"))
        #expect(response.status == 200)
        #expect(response.headers["content-security-policy"] == StaticAssetRoutes.contentSecurityPolicy)
        #expect(response.headers["etag"] == page.etag)
        let again = StaticAssetRoutes.response(for: page, request: Self.request("/dashboard/", ifNoneMatch: page.etag))
        #expect(again.status == 304)
    }

    static func request(_ path: String, ifNoneMatch: String? = nil) -> HTTPRequest {
        var fields: [(name: String, value: String)] = [("host", "127.0.0.1")]
        if let ifNoneMatch { fields.append(("if-none-match", ifNoneMatch)) }
        return HTTPRequest(methodName: "GET", path: path, query: "", headers: HTTPHeaders(fields), versionMajor: 1,
                           versionMinor: 1, keepAlive: true, remoteAddress: "127.0.0.1", localPort: 1, requestID: "t",
                           contentLength: 0, isChunked: false, body: RequestBody.bytes([]), startedAt: 0)
    }
}
