import AppBaseCore
import AppBaseHTTP
import Crypto

/// The dashboard session cookie, its CSRF token, and the same-origin test every use of the cookie
/// passes first (docs/adr/0030-dashboard-sessions.md).
///
/// The cookie is `HttpOnly; SameSite=Strict; Path=/` and host-only (no `Domain`), so scripts cannot
/// read it and other sites' pages never make the browser send it. The CSRF token is an HMAC of the
/// cookie's token under a key derived from the app's master secret: the page learns it from the JSON
/// answer of sign-in (or `GET /dashboard/api/session`) and sends it as `X-CSRF-Token`. A page on
/// another origin can neither read that answer nor set that header without a CORS preflight, which
/// no AppBase router ever grants with credentials.
struct DashboardCookie: Sendable {
    static let name = "appbase_dashboard"
    /// 12 hours: a working day, after which the admin signs in again.
    static let lifetimeSeconds: Int64 = 43_200

    private let csrfKey: SymmetricKey

    init(csrfKey: SymmetricKey) {
        self.csrfKey = csrfKey
    }

    /// The CSRF token that goes with a session's cookie token (43 base64url characters).
    func csrfToken(for cookieToken: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(cookieToken.utf8), using: csrfKey)))
    }

    /// Whether `presented` is the CSRF token of `cookieToken` (constant time).
    func csrfMatches(_ presented: String, cookieToken: String) -> Bool {
        ConstantTime.equals(Array(presented.utf8), Array(csrfToken(for: cookieToken).utf8))
    }

    /// The session token from the request's `Cookie` headers, if it has the token's exact shape.
    static func token(in request: HTTPRequest) -> String? {
        for field in request.headers.fields where field.name == "cookie" {
            for pair in field.value.split(separator: ";") {
                let trimmed = pair.trimmingASCIISpaces()
                guard trimmed.hasPrefix(name + "=") else { continue }
                let value = String(trimmed.dropFirst(name.utf8.count + 1))
                // Same shape as a refresh token: 256 random bits in base64url.
                return OpaqueToken.isWellFormedRefreshToken(value) ? value : nil
            }
        }
        return nil
    }

    /// True when the browser says the request came from another origin: `Sec-Fetch-Site` other than
    /// `same-origin`/`none`, or an `Origin` whose host (and port) is not this request's `Host`.
    /// The cookie is ignored on such requests, whatever they carry.
    static func isCrossOrigin(_ request: HTTPRequest) -> Bool {
        var host: String?
        for field in request.headers.fields {
            switch field.name {
            case "sec-fetch-site":
                if field.value != "same-origin" && field.value != "none" { return true }
            case "origin":
                let origin = field.value.lowercased()
                let hostPart: Substring
                if origin.hasPrefix("http://") {
                    hostPart = origin.dropFirst(7)
                } else if origin.hasPrefix("https://") {
                    hostPart = origin.dropFirst(8)
                } else {
                    return true // `null` (sandboxed frames, file:) or anything odd
                }
                host = host ?? request.headers["host"]?.lowercased()
                guard let host, Self.sameAuthority(hostPart, host) else { return true }
            default:
                continue
            }
        }
        return false
    }

    /// `Origin`'s authority against `Host`, with the default port spelled or not.
    private static func sameAuthority(_ origin: Substring, _ host: String) -> Bool {
        if origin == host { return true }
        return origin.hasSuffix(":80") && origin.dropLast(3) == host || host.hasSuffix(":80") && host.dropLast(3) == origin
    }

    /// `Set-Cookie` for a new session; `Secure` when the browser reached us over TLS.
    static func setCookie(_ token: String, secure: Bool) -> String {
        "\(name)=\(token); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(lifetimeSeconds)" + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` that makes the browser forget the cookie.
    static func clearedCookie(secure: Bool) -> String {
        "\(name)=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0" + (secure ? "; Secure" : "")
    }
}
