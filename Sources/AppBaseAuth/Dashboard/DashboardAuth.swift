import AppBaseCore
import AppBaseHTTP
import Crypto

/// What an app's `AuthService` keeps for its dashboard: the live sessions, the CSRF key and the
/// sign-in throttle (the same `LoginThrottle` as app logins, with its own budgets, so an app's
/// login storm never locks its operators out and the other way round).
final class DashboardAuth: Sendable {
    /// A setup link is valid this long after start-up.
    static let setupLifetimeMillis: Int64 = 24 * 3600 * 1000
    /// Purpose of the CSRF key (see `HMACKeyDerivation`).
    static let csrfPurpose = "dashboard-csrf"

    let book = DashboardSessionBook()
    let cookie: DashboardCookie
    let throttle: LoginThrottle

    init(master: SymmetricKey, settings: AuthSettings, clock: any WallClock) {
        cookie = DashboardCookie(csrfKey: HMACKeyDerivation.derive(master: master, purpose: Self.csrfPurpose))
        throttle = LoginThrottle(settings: settings, clock: clock)
    }

    /// The paths a dashboard session may act on: the admin API, records, files.
    static func acceptsSession(path: String) -> Bool {
        var bytes = path.utf8[...]
        while bytes.first == UInt8(ascii: "/") { bytes = bytes.dropFirst() }
        for prefix in ["admin", "db", "storage"] where bytes.starts(with: prefix.utf8) {
            let rest = bytes.dropFirst(prefix.utf8.count)
            if rest.isEmpty || rest.first == UInt8(ascii: "/") { return true }
        }
        return false
    }

    /// The signed-in session of a same-origin request's cookie, if live at `now`.
    func session(of request: HTTPRequest, now: Int64) -> (session: DashboardSessionBook.Session, token: String)? {
        guard !DashboardCookie.isCrossOrigin(request), let token = DashboardCookie.token(in: request),
              let session = book.session(tokenHash: OpaqueToken.hash(token), now: now) else { return nil }
        return (session, token)
    }

    /// The identity of a cookie-authenticated request that carries `X-CSRF-Token: csrf`, nil when the
    /// cookie does not apply (wrong path, no cookie, another origin): the request is then anonymous.
    /// - Throws: 401 `unauthorized` when the cookie names no live session; 403 `forbidden` when the
    ///   CSRF token is not the session's.
    func identity(for request: HTTPRequest, csrf: String, now: Int64) throws(AppBaseError) -> Identity? {
        guard Self.acceptsSession(path: request.path), !DashboardCookie.isCrossOrigin(request),
              let token = DashboardCookie.token(in: request) else { return nil }
        guard let session = book.session(tokenHash: OpaqueToken.hash(token), now: now) else {
            throw AppBaseError.unauthorized(.unauthorized, "Your dashboard session has ended; sign in again.")
        }
        guard cookie.csrfMatches(csrf, cookieToken: token) else {
            throw AppBaseError.forbidden("The X-CSRF-Token header does not belong to this dashboard session; reload the page.")
        }
        return Identity(keyKind: .admin, dashboardAdminID: session.admin.id, dashboardSessionID: session.id)
    }
}
