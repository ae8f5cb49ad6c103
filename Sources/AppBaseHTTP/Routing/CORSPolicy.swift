import AppBaseCore

/// Cross-origin rules for one app's public API.
///
/// The default allows any origin without credentials (`*`), which suits API keys sent in
/// headers. Dashboard routes never get CORS headers.
public struct CORSPolicy: Sendable, Hashable {
    /// Allowed origins; `["*"]` means any. Empty disables CORS.
    public var allowedOrigins: [String]
    /// Seconds a preflight may be cached.
    public var maxAgeSeconds: Int

    public init(allowedOrigins: [String] = ["*"], maxAgeSeconds: Int = 600) {
        self.allowedOrigins = allowedOrigins
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// No cross-origin access at all.
    public static let disabled = CORSPolicy(allowedOrigins: [])

    static let allowedRequestHeaders =
        "Authorization, Content-Type, X-API-Key, X-Request-Id, If-Match, If-None-Match, Last-Event-ID, Range, Cache-Control"
    static let exposedHeaders =
        "ETag, X-Request-Id, Retry-After, X-Change-Seq, Content-Length, Content-Range, Content-Disposition, Last-Modified, Accept-Ranges, Location"

    /// The `Access-Control-Allow-Origin` value for `origin`, or nil when it is not allowed.
    func allowOrigin(for origin: String) -> String? {
        if allowedOrigins.contains("*") { return "*" }
        return allowedOrigins.contains(origin) ? origin : nil
    }

    /// Adds the headers an actual (non-preflight) cross-origin response needs.
    public func decorate(_ headers: inout HTTPHeaders, origin: String?) {
        guard let origin, let allowed = allowOrigin(for: origin) else { return }
        headers.add("Access-Control-Allow-Origin", allowed)
        if allowed != "*" { headers.add("Vary", "Origin") }
        headers.add("Access-Control-Expose-Headers", CORSPolicy.exposedHeaders)
    }

    /// The answer to a preflight (`OPTIONS`) for a resource that takes `allowed` methods: 204
    /// with `Allow`, plus the `Access-Control-*` grant when `origin` is allowed; 403 `forbidden`
    /// when an origin is named and not allowed.
    public func preflight(_ request: HTTPRequest, allowed: Set<HTTPMethod>, origin: String?) -> HTTPResponse {
        let methods = allowed.union([.OPTIONS]).map(\.rawValue).sorted().joined(separator: ", ")
        var headers = HTTPHeaders("Allow", methods)
        if let origin, let allowOrigin = allowOrigin(for: origin) {
            headers.add("Access-Control-Allow-Origin", allowOrigin)
            if allowOrigin != "*" { headers.add("Vary", "Origin") }
            headers.add("Access-Control-Allow-Methods", methods)
            headers.add("Access-Control-Allow-Headers", CORSPolicy.allowedRequestHeaders)
            headers.add("Access-Control-Max-Age", String(maxAgeSeconds))
        } else if origin != nil {
            let error = AppBaseError(status: 403, code: .forbidden, message: "Origin not allowed.")
            return ErrorRenderer.response(for: error, requestID: request.requestID)
        }
        return HTTPResponse(status: 204, headers: headers)
    }
}
