import AppBaseCore
import AppBaseHTTP

/// GET (and so HEAD) routes for one asset set, answered on the loop thread from memory.
///
/// Every asset is its own literal route, so a path that is not an embedded asset — including
/// any `..` or `%2f` trick — matches nothing and gets the router's JSON 404: there is no file
/// system behind these routes to escape into.
public struct StaticAssetRoutes: Sendable {
    /// The strict policy every page runs under: nothing inline, nothing from elsewhere, no framing.
    public static let contentSecurityPolicy =
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"

    public let assets: WebAssetSet
    /// The URL prefix the assets live under (`/control`), without a trailing slash.
    public let mount: String
    /// Extra paths that answer with `index` (e.g. `/` for the control page).
    public let indexPaths: [String]
    /// The asset served at `indexPaths` and at `mount + "/"`.
    public let index: String

    public init(assets: WebAssetSet, mount: String, index: String = "index.html", indexPaths: [String] = []) {
        self.assets = assets
        self.mount = mount.hasSuffix("/") ? String(mount.dropLast()) : mount
        self.index = index
        self.indexPaths = indexPaths
    }

    /// Adds one route per asset, plus the index paths.
    public func register(on routes: inout RouteTable) {
        for path in assets.paths {
            guard let asset = assets[path] else { continue }
            routes.addInline(.GET, "\(mount)/\(path)") { request, _ in Self.response(for: asset, request: request) }
        }
        guard let page = assets[index] else { return }
        for path in indexPaths + ["\(mount)/"] {
            routes.addInline(.GET, path) { request, _ in Self.response(for: page, request: request) }
        }
    }

    /// 200 with the bytes, or 304 when `If-None-Match` names the asset's ETag; the security
    /// headers either way.
    ///
    /// Names are not content-hashed, so every response says `no-cache`: the browser keeps its
    /// copy and revalidates each time, which costs a 304 and never serves a stale module.
    public static func response(for asset: WebAsset, request: HTTPRequest) -> HTTPResponse {
        var headers = HTTPHeaders([
            ("ETag", asset.etag),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", contentSecurityPolicy),
            ("Referrer-Policy", "no-referrer"),
        ])
        if let condition = request.headers["if-none-match"], matches(condition, etag: asset.etag) {
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.add("Content-Type", asset.contentType)
        return HTTPResponse(status: 200, headers: headers, body: .bytes(asset.bytes))
    }

    /// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored; `*` matches.
    static func matches(_ condition: String, etag: String) -> Bool {
        for candidate in condition.split(separator: ",") {
            var tag = candidate.trimmingASCIISpaces()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag { return true }
        }
        return false
    }
}
