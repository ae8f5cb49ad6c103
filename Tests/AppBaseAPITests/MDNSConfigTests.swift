import AppBaseMDNS
@testable import AppBasePlatform
import Testing

/// `[mdns]` in `appbase.toml`: defaults, accepted values and rejected ones (naming the key).
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

    @Test(arguments: [
        ("[mdns]\nenabled = 1\n", "mdns.enabled", "true or false"),
        ("[mdns]\ndomain = \"appbase.lan\"\n", "mdns.domain", ".local"),
        ("[mdns]\ndomain = \"App.local\"\n", "mdns.domain", "DNS label"),
        ("[mdns]\naddresses = []\n", "mdns.addresses", "1 to 16"),
        ("[mdns]\naddresses = [\"appbase.local\"]\n", "mdns.addresses", "not an IPv4 or IPv6"),
        ("[mdns]\naddresses = [\"10.0.0.1\", \"10.0.0.1\"]\n", "mdns.addresses", "twice"),
        ("[mdns]\naddresses = \"10.0.0.1\"\n", "mdns.addresses", "array of strings"),
        ("[mdns]\nname = \"x\"\n", "mdns.name", "unknown key"),
    ])
    func rejectsBadValues(text: String, key: String, problem: String) {
        #expect {
            _ = try ConfigLoader.parse(text, file: "bad.toml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.file == "bad.toml" && error.key == key && error.problem.contains(problem)
        }
    }
}
