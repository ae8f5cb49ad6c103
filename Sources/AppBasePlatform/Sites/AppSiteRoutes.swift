import AppBaseCore
import AppBaseHTTP

/// `GET /app/…` on an app's port: the static files of `[apps.<name>] site_dir`, served like a
/// hosted site (`SiteHost`: `index.html` for a directory, single-page fallback, the safe
/// headers), but on the API's own origin, so a web app such as the password-manager demo calls
/// its API without CORS and at `http://localhost:<port>` (a secure context for WebCrypto).
///
/// The router has no wildcard, so one route per depth (`/app/:p1`, `/app/:p1/:p2`, …) up to
/// `maxDepth`; the decoded segments are re-checked by `SitePath`, as every site path is.
enum AppSiteRoutes {
    /// Deeper paths are 404 (the router finds no route).
    static let maxDepth = 8

    static func register(on routes: inout RouteTable, directory: String) {
        // `/app` and `/app/` are one route pattern; without the slash, relative links in the
        // page would resolve against `/`, so that form redirects.
        routes.add(.GET, "/app", auth: .none) { request, _ in
            guard request.path.hasSuffix("/") else {
                return HTTPResponse(status: 308, headers: HTTPHeaders([("Location", "/app/"), ("Cache-Control", "no-cache")]))
            }
            return SiteHost.respond(to: request, decodedPath: "/", directory: directory)
        }
        var pattern = "/app"
        var names: [String] = []
        for depth in 1...maxDepth {
            names.append("p\(depth)")
            pattern += "/:p\(depth)"
            let segments = names
            routes.add(.GET, pattern, auth: .none) { request, context in
                // Parameters are percent-decoded; an encoded `/` inside one is checked again below.
                let path = "/" + segments.map { context.parameters[$0] ?? "" }.joined(separator: "/")
                return SiteHost.respond(to: request, decodedPath: path, directory: directory)
            }
        }
    }
}
