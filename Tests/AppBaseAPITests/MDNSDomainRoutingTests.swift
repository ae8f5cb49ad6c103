import AppBaseCore
import AppBaseMDNS
import AppBaseTestSupport
import Testing
@testable import AppBasePlatform

/// `[mdns] domain` is the one source of the apps' host names: the master port routes by it and
/// AppInfo reports it, as the announcer and the certificates already did.
@Suite("Host names under a configured mDNS domain")
struct MDNSDomainRoutingTests {
    @Test("with domain office.local, api.<app>.office.local reaches the app; appbase.local names do not; AppInfo says office.local")
    func routesAndReportsTheConfiguredDomain() async throws {
        try await LiveServer.with(apps: ["alpha"], configure: { $0.mdns.domain = "office.local" }) { server in
            let master = server.ports.master
            let app = try await ControlPlaneServerTests.call(master, "GET", "/health", key: nil, host: "api.alpha.office.local")
            #expect(app.status == 200)
            #expect(app.bodyText.contains(#""app":"alpha""#), "\(app.bodyText)")
            let upper = try await ControlPlaneServerTests.call(master, "GET", "/health", key: nil,
                                                               host: "API.Alpha.Office.Local:\(master)")
            #expect(upper.bodyText.contains(#""app":"alpha""#), "host names stay case-insensitive, with a port")
            let unknown = try await ControlPlaneServerTests.call(master, "GET", "/health", key: nil, host: "api.gamma.office.local")
            #expect(unknown.status == 404)
            let otherDomain = try await ControlPlaneServerTests.call(master, "GET", "/health", key: nil,
                                                                     host: "api.alpha.appbase.local")
            #expect(otherDomain.bodyText.contains(#""app":"master""#), "the default domain is not served beside it")

            let info = try await ControlPlaneServerTests.call(master, "GET", "/api/apps/alpha", key: server.masterKey)
            #expect(info.status == 200)
            #expect(info.json["hostNames"] == ["api.alpha.office.local", "dashboard.alpha.office.local", "alpha.office.local"])
            #expect(info.json["urls"]?["api"]?.stringValue == "http://api.alpha.office.local:\(master)")
        }
    }
}
