import AppBaseCore
import AppBaseHTTP

/// Applies `[tls] plain` to requests that arrived without TLS on a TLS-enabled port, in front
/// of the real dispatcher. `redirect`: a browser navigation (`Upgrade-Insecure-Requests: 1`,
/// `GET`/`HEAD`) gets `308` to the same URL over https on the same port, everything else is
/// served — API clients and scripts keep working. `refuse`: `403 tls_required`. `/health`
/// and `/ca…` always answer in plain HTTP: a monitor and a device that does not trust the CA
/// yet must reach them.
public struct PlainHTTPPolicyDispatcher: HTTPDispatcher {
    let inner: any HTTPDispatcher
    let policy: TLSSettings.PlainPolicy

    public init(inner: any HTTPDispatcher, policy: TLSSettings.PlainPolicy) {
        self.inner = inner
        self.policy = policy
    }

    public func dispatch(_ request: HTTPRequest) -> DispatchDecision {
        guard !request.isSecure, policy != .serve, !Self.alwaysPlain(request.path) else { return inner.dispatch(request) }
        switch policy {
        case .serve:
            return inner.dispatch(request)
        case .redirect:
            guard request.headers["upgrade-insecure-requests"] == "1",
                  request.methodName == "GET" || request.methodName == "HEAD",
                  let host = request.headers["host"], Self.isPlainHost(host) else { return inner.dispatch(request) }
            let authority = Self.authority(host: host, localPort: request.localPort)
            let target = "https://\(authority)\(request.path)" + (request.query.isEmpty ? "" : "?\(request.query)")
            return .respond(HTTPResponse(status: 308, headers: HTTPHeaders([
                ("Location", target), ("Vary", "Upgrade-Insecure-Requests"), ("Cache-Control", "no-store"),
            ])))
        case .refuse:
            let error = AppBaseError(status: 403, code: .tlsRequired, message: """
                This server accepts plain HTTP only for /health and /ca; use https:// on the same port.
                """)
            return .respond(ErrorRenderer.response(for: error, requestID: request.requestID))
        }
    }

    public func decorate(_ response: inout HTTPResponse, for request: HTTPRequest) {
        inner.decorate(&response, for: request)
    }

    /// `/health` and the CA page with its files.
    static func alwaysPlain(_ path: String) -> Bool {
        path == "/health" || path == "/ca" || path.hasPrefix("/ca/")
    }

    /// Where the redirect points: the same host and the same port. A `Host` without a port means
    /// the client used port 80 (an installed box's `http://<app>.appbase.local/`); `https://` without
    /// a port would mean 443, where nothing listens, so the port the request arrived on is added —
    /// every listener speaks TLS on the same port. Unknown port (0) or 443: left as it is.
    static func authority(host: String, localPort: Int) -> String {
        let hasPort: Bool
        if host.hasPrefix("["), let close = host.lastIndex(of: "]") {
            hasPort = host[host.index(after: close)...].hasPrefix(":")
        } else {
            hasPort = host.contains(":")
        }
        guard !hasPort, localPort > 0, localPort != 443 else { return host }
        return "\(host):\(localPort)"
    }

    /// A `Host` value safe to put in `Location`: letters, digits, `.-:[]` only (no spaces,
    /// slashes or `@` that could turn the redirect into one to another origin).
    static func isPlainHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 255 && host.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"),
                 UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
                return true
            default:
                return false
            }
        }
    }
}

extension ErrorCode {
    /// A plain-HTTP request where `[tls] plain = "refuse"` asks for TLS.
    public static let tlsRequired = ErrorCode("tls_required")
}
