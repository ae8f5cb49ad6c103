import AppBaseCore
import AppBaseHTTP
import AppBaseTestSupport
import Logging
import Testing
@testable import AppBaseMetrics

/// A master-key store with one live key.
private struct OneKey: MasterKeyVerifier {
    func isValidMasterKey(_ key: String) async -> Bool { key == "mk_live" }
}

@Suite("GET /metrics: access and exposition")
struct MetricsRouteTests {
    static func request(from address: String, headers: [(String, String)] = []) -> HTTPRequest {
        HTTPRequest(methodName: "GET", path: "/metrics", headers: HTTPHeaders(headers), remoteAddress: address)
    }

    static func status(_ access: MetricsAccess, _ request: HTTPRequest) async -> Int {
        do {
            try await access.check(request)
            return 200
        } catch {
            return error.status
        }
    }

    @Test("access table: allow list, master key, Bearer, and the answer without a key check")
    func accessTable() async {
        let allow = MetricsSettings(allow: ["127.0.0.1", "::1", "10.1.0.0/16"]).allowRanges
        let withKeys = MetricsAccess(allow: allow, verifier: OneKey())
        let withoutKeys = MetricsAccess(allow: allow, verifier: nil)
        let cases: [(String, MetricsAccess, HTTPRequest, Int)] = [
            ("loopback v4 allowed", withoutKeys, Self.request(from: "127.0.0.1"), 200),
            ("loopback v6 allowed", withoutKeys, Self.request(from: "::1"), 200),
            ("IPv4-mapped peer inside a CIDR", withoutKeys, Self.request(from: "::ffff:10.1.2.3"), 200),
            ("outside, no key check yet → 403", withoutKeys, Self.request(from: "192.0.2.7"), 403),
            ("outside, a key but no key check → 403", withoutKeys,
             Self.request(from: "192.0.2.7", headers: [("x-master-key", "mk_live")]), 403),
            ("outside, no key → 401", withKeys, Self.request(from: "192.0.2.7"), 401),
            ("outside, valid X-Master-Key", withKeys, Self.request(from: "192.0.2.7", headers: [("x-master-key", "mk_live")]), 200),
            ("outside, valid Bearer", withKeys, Self.request(from: "192.0.2.7", headers: [("authorization", "Bearer mk_live")]), 200),
            ("wrong key → 401 even from an allowed address", withKeys,
             Self.request(from: "127.0.0.1", headers: [("x-master-key", "mk_revoked")]), 401),
            ("X-Forwarded-For is ignored", withoutKeys,
             Self.request(from: "192.0.2.7", headers: [("x-forwarded-for", "127.0.0.1")]), 403),
        ]
        for (name, access, request, expected) in cases {
            #expect(await Self.status(access, request) == expected, "\(name)")
        }
    }

    @Test("live: Prometheus text with its content type from loopback; JSON 403 from outside the allow list")
    func liveExposition() async throws {
        let bus = EventBus()
        let open = MetricsService(bus: bus)
        let closed = MetricsService(bus: bus, settings: MetricsSettings(allow: ["10.0.0.0/8"]))
        var openRoutes = RouteTable(), closedRoutes = RouteTable()
        open.registerRoute(on: &openRoutes)
        closed.registerRoute(on: &closedRoutes)
        open.start()
        let logger = Logger(label: "test")
        let openHost = try await TestHTTPHost.start(
            serving: Router(app: "master", routes: openRoutes, cors: .disabled, limits: HTTPLimits(), authenticator: nil, logger: logger),
            bus: bus)
        let closedHost = try await TestHTTPHost.start(
            serving: Router(app: "master", routes: closedRoutes, cors: .disabled, limits: HTTPLimits(), authenticator: nil, logger: logger))

        let get = Array("GET /metrics HTTP/1.1\r\nHost: appbase.local\r\n\r\n".utf8)
        _ = try await RawHTTPClient.exchange(port: openHost.port, pieces: [get])
        // The first scrape's own summary reaches the collector through the bus.
        let counted = await eventually {
            let scrape = ExpositionSamples(await open.exposition())
            return scrape.value(MetricNames.requests, ["app": "master", "route": "/metrics", "status": "200"]) == 1
        }
        #expect(counted)
        let response = try await RawHTTPClient.exchange(port: openHost.port, pieces: [get])
        #expect(response.status == 200)
        #expect(response.headers.first { $0.name.lowercased() == "content-type" }?.value.hasPrefix("text/plain; version=0.0.4") == true)
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(body.contains("# TYPE \(MetricNames.requests) counter"))

        let refused = try await RawHTTPClient.exchange(port: closedHost.port, pieces: [get])
        #expect(refused.status == 403)
        #expect(String(decoding: refused.body, as: UTF8.self).contains(#""code":"forbidden""#))
        await openHost.shutdown()
        await closedHost.shutdown()
        await open.stop()
        await closed.stop()
    }
}
