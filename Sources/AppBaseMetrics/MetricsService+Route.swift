import AppBaseCore
import AppBaseHTTP

extension MetricsService {
    /// The exposition's content type (Prometheus text format 0.0.4).
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Registers `GET /metrics` (the master port): Prometheus text for every app, behind a
    /// master key or `[metrics] allow`. The exposition is rendered on the collector actor,
    /// off the event loop.
    /// - Parameter masterKeys: the master-key check; nil until the platform provides one.
    public func registerRoute(on routes: inout RouteTable, masterKeys: (any MasterKeyVerifier)? = nil) {
        let access = MetricsAccess(allow: settings.allowRanges, verifier: masterKeys)
        routes.add(.GET, "/metrics", auth: .none, bodyLimit: 0) { request, _ in
            try await access.check(request)
            let body = await self.exposition()
            return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", Self.contentType),
                                                                   ("Cache-Control", "no-store")]),
                                body: .bytes(body))
        }
    }
}
