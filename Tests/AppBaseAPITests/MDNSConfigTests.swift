import AppBaseMDNS
@testable import AppBasePlatform
import Testing

/// `[mdns]` in `appbase.toml`: defaults and accepted values.
@Suite struct MDNSConfigTests {
    @Test func defaultsToOnUnderAppbaseLocal() throws {
        let configuration = try ConfigLoader.parse("", file: "empty.toml")
        #expect(configuration.mdns == MDNSSettings(enabled: true, domain: "appbase.local", addresses: nil))
    }

    @Test func aConfigurationBuiltInCodeAnnouncesNothing() {
        #expect(ServerConfiguration().mdns.enabled == false)
    }

    @Test func readsEveryKey() throws {
        let configuration = try ConfigLoader.parse("""
            [mdns]
            enabled = false
            domain = "lab.local"
            addresses = ["192.168.1.20", "2001:db8::20"]
            """, file: "mdns.toml")
        #expect(configuration.mdns == MDNSSettings(enabled: false, domain: "lab.local", addresses: ["192.168.1.20", "2001:db8::20"]))
    }

    // Bad [mdns] values are rows of ConfigLoaderTests.rejectsBadConfiguration.
}
