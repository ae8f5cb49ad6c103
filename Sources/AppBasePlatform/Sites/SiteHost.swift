import AppBaseCore
import AppBaseHTTP
#if canImport(Glibc)
import Glibc
#endif

/// Serves an app's static site at `<app>.appbase.local` on the master port, from
/// `data/<app>/site/`: `GET`/`HEAD` only, a directory serves its `index.html`, and a path with
/// no file falls back to the site's `index.html` (single-page apps route in the browser),
/// except for paths that name a file by extension (a missing `/app.js` is a 404, not HTML).
/// Every answer carries the safe headers from `SafeContentHeaders`.
public final class SiteHost: HTTPDispatcher {
    public let app: String
    private let directory: String

    public init(app: String, directory: String) {
        self.app = app
        self.directory = directory
    }

    public func dispatch(_ request: HTTPRequest) -> DispatchDecision {
        guard request.method == .GET || request.method == .HEAD else {
            let error = AppBaseError(status: 405, code: .methodNotAllowed, message: "A site answers GET and HEAD only.",
                                     headers: [("Allow", "GET, HEAD")])
            return .respond(ErrorRenderer.response(for: error, requestID: request.requestID))
        }
        let directory = self.directory
        let policy = SafeContentHeaders.sitePolicy(apiHost: "api.\(app)\(HostDispatcher.domain)")
        // Opening files blocks (briefly): done in the request's task, not in dispatch.
        // Site files count against the app's download slots like its storage downloads.
        return .handle(HandlerTraits(app: app, route: "site", bodyLimit: 0)) { request in
            var response = Self.respond(to: request, directory: directory)
            // The site may call its own app's API (another origin under HTTPS): issue 16.
            if response.status == 200 { response.headers.set("Content-Security-Policy", policy) }
            return response
        }
    }

    /// The response for `request` from the site in `directory`.
    static func respond(to request: HTTPRequest, directory: String) -> HTTPResponse {
        guard let decoded = QueryString.percentDecode(request.path),
              let components = SitePath.components(decoded, maxDepth: SiteLimits().maxDepth, allowAbsolute: true) else {
            return notFound(request)
        }
        let path = ([directory] + components).joined(separator: "/")
        if let response = serve(path, request: request) { return response }
        if let response = serve(path + "/index.html", request: request) { return response }
        let last = components.last ?? ""
        guard !last.contains(".") else { return notFound(request) }
        return serve(directory + "/index.html", request: request) ?? notFound(request)
    }

    /// The file at `path` as a response, or nil when there is no regular file there.
    private static func serve(_ path: String, request: HTTPRequest) -> HTTPResponse? {
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
            ("Content-Security-Policy", SafeContentHeaders.sitePolicy),
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
