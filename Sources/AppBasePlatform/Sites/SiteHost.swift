import AppBaseCore
import AppBaseHTTP
import AppBaseMDNS
#if canImport(Glibc)
import Glibc
#endif

/// Serves an app's static site at `<app>.<domain>` on the master port, from
/// `data/<app>/site/`: `GET`/`HEAD` only, a directory serves its `index.html`, and a path with
/// no file falls back to the site's `index.html` (single-page apps route in the browser),
/// except for paths that name a file by extension (a missing `/app.js` is a 404, not HTML).
/// Every answer carries the safe headers from `SafeContentHeaders`.
public final class SiteHost: HTTPDispatcher {
    public let app: String
    private let directory: String
    /// `[mdns] domain`: the site may call and import from `api.<app>.<domain>`.
    private let domain: String

    public init(app: String, directory: String, domain: String) {
        self.app = app
        self.directory = directory
        self.domain = domain
    }

    public func dispatch(_ request: HTTPRequest) -> DispatchDecision {
        guard request.method == .GET || request.method == .HEAD else {
            let error = AppBaseError(status: 405, code: .methodNotAllowed, message: "A site answers GET and HEAD only.",
                                     headers: [("Allow", "GET, HEAD")])
            return .respond(ErrorRenderer.response(for: error, requestID: request.requestID))
        }
        let directory = self.directory
        let policy = Self.policy(app: app, domain: domain)
        // Opening files blocks (briefly): done in the request's task, not in dispatch.
        // Site files count against the app's download slots like its storage downloads.
        return .handle(HandlerTraits(app: app, route: "site", bodyLimit: 0)) { request in
            Self.respond(to: request, directory: directory, policy: policy)
        }
    }

    /// The site's CSP: `SafeContentHeaders.sitePolicy`, plus the app's own API host
    /// (`api.<app>.<domain>`, any port) for requests and scripts — a hosted web app calls
    /// its API there and may import the SDK it serves (`/sdk/appbase.js`); no other origin.
    static func policy(app: String, domain: String) -> String {
        let api = MDNSNames(domain: domain).apiHost(app: app) + ":*"
        return SafeContentHeaders.sitePolicy + "; connect-src 'self' \(api); script-src 'self' \(api)"
    }

    /// The response for `request` from the site in `directory`.
    static func respond(to request: HTTPRequest, directory: String, policy: String = SafeContentHeaders.sitePolicy) -> HTTPResponse {
        guard let decoded = QueryString.percentDecode(request.path) else { return notFound(request) }
        return respond(to: request, decodedPath: decoded, directory: directory, policy: policy)
    }

    /// The response for the already percent-decoded `decodedPath` (the part of the URL inside
    /// the site) from the site in `directory`; shared with `/app/` on an app's port (`AppSiteRoutes`).
    static func respond(to request: HTTPRequest, decodedPath: String, directory: String,
                        policy: String = SafeContentHeaders.sitePolicy) -> HTTPResponse {
        guard let components = SitePath.components(decodedPath, maxDepth: SiteLimits().maxDepth, allowAbsolute: true) else {
            return notFound(request)
        }
        let path = ([directory] + components).joined(separator: "/")
        if let response = serve(path, policy: policy) { return response }
        if let response = serve(path + "/index.html", policy: policy) { return response }
        let last = components.last ?? ""
        guard !last.contains(".") else { return notFound(request) }
        return serve(directory + "/index.html", policy: policy) ?? notFound(request)
    }

    /// The file at `path` as a response, or nil when there is no regular file there.
    private static func serve(_ path: String, policy: String) -> HTTPResponse? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            return nil
        }
        let file = OwnedFileDescriptor(descriptor)
        let name = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
        var headers = HTTPHeaders([
            ("Content-Type", SiteContentType.forFile(name)),
            ("Cache-Control", "no-cache"),
            ("Content-Security-Policy", policy),
        ])
        headers.add(SafeContentHeaders.noSniff.0, SafeContentHeaders.noSniff.1)
        return HTTPResponse(status: 200, headers: headers,
                            body: .file(FileBody(descriptor: file, offset: 0, length: Int64(info.st_size))))
    }

    private static func notFound(_ request: HTTPRequest) -> HTTPResponse {
        var response = ErrorRenderer.response(for: AppBaseError.notFound("No such page on this site."), requestID: request.requestID)
        response.headers.add(SafeContentHeaders.noSniff.0, SafeContentHeaders.noSniff.1)
        return response
    }
}
