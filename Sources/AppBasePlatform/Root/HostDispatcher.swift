import AppBaseCore
import AppBaseHTTP

/// The control plane's port: routes by `Host` to an app (`api.<app>.<domain>` → the app's API,
/// or 503 while it restarts; `dashboard.<app>.<domain>` → its dashboard routes; `<app>.<domain>`
/// → its static site from `data/<app>/site/`) and answers everything else itself. `<domain>` is
/// `[mdns] domain` (`appbase.local` by default), the names the announcer publishes and the
/// certificates cover.
final class HostDispatcher: HTTPDispatcher {
    private let master: Router
    private let apps: SnapshotCell<[String: any HTTPDispatcher]>
    private let dashboards: SnapshotCell<[String: Router]>
    /// The data directory: a site lives in `<dataRoot>/<app>/site`.
    private let dataRoot: String
    /// `[mdns] domain`, lowercased, and `.` before it: what an app host name ends with.
    private let domain: String
    private let domainSuffix: String

    init(master: Router, apps: SnapshotCell<[String: any HTTPDispatcher]>, dashboards: SnapshotCell<[String: Router]>,
         dataRoot: String, domain: String) {
        self.master = master
        self.apps = apps
        self.dashboards = dashboards
        self.dataRoot = dataRoot
        self.domain = domain.lowercased()
        self.domainSuffix = "." + domain.lowercased()
    }

    func decorate(_ response: inout HTTPResponse, for request: HTTPRequest) {
        router(for: request)?.decorate(&response, for: request)
    }

    /// The router a request's `Host` selects (nil for an unknown app or a site).
    private func router(for request: HTTPRequest) -> (any HTTPDispatcher)? {
        guard let raw = request.headers["host"], mayBeAppHost(raw),
              let host = request.hostName, host.hasSuffix(domainSuffix) else { return master }
        let label = host.dropLast(domainSuffix.count)
        if label.hasPrefix("api.") { return apps.value[String(label.dropFirst(4))] }
        if label.hasPrefix("dashboard.") { return dashboards.value[String(label.dropFirst(10))] }
        return master
    }

    func dispatch(_ request: HTTPRequest) -> DispatchDecision {
        // Cheap pre-check on the raw header before building a lowercased host name.
        guard let raw = request.headers["host"], mayBeAppHost(raw),
              let host = request.hostName, host.hasSuffix(domainSuffix) else { return master.dispatch(request) }
        let label = host.dropLast(domainSuffix.count)
        if label.hasPrefix("api.") {
            let app = String(label.dropFirst(4))
            if let router = apps.value[app] { return router.dispatch(request) }
            return unknownApp(app, request)
        }
        if label.hasPrefix("dashboard.") {
            let app = String(label.dropFirst(10))
            if let router = dashboards.value[app] { return router.dispatch(request) }
            return unknownApp(app, request)
        }
        if !label.contains(".") {
            let app = String(label)
            guard apps.value[app] != nil else { return unknownApp(app, request) }
            return SiteHost(app: app, directory: SiteInstaller.siteDirectory(dataRoot: dataRoot, app: app), domain: domain).dispatch(request)
        }
        return master.dispatch(request)
    }

    /// True when `raw` (a `Host` value, maybe with a port) could end in the domain (every mDNS
    /// domain ends in `.local`, `MDNSSettings.problem(withDomain:)`).
    private func mayBeAppHost(_ raw: String) -> Bool {
        var length = 0
        for byte in raw.utf8 {
            if byte == UInt8(ascii: ":") { break }
            length += 1
        }
        return length > domainSuffix.utf8.count
            && raw.utf8.prefix(length).suffix(5).elementsEqual("local".utf8, by: { ($0 | 0x20) == $1 })
    }

    private func unknownApp(_ app: String, _ request: HTTPRequest) -> DispatchDecision {
        let safe = String(app.unicodeScalars.prefix(64).map { $0.value < 0x20 ? "?" : Character($0) })
        let error = AppBaseError(status: 404, code: .notFound, message: "No app named \(safe) on this server.")
        return .respond(ErrorRenderer.response(for: error, requestID: request.requestID))
    }
}
