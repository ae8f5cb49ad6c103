@testable import AppBasePlatform
import AppBaseTLS
import Testing

/// `[tls]` in `appbase.toml`: the shipped file turns it on, a file without the key keeps plain
/// HTTP (an existing install after an upgrade), and bad values name the key.
@Suite struct TLSConfigTests {
    @Test func theShippedFileTurnsTLSOnAndAFileWithoutTheKeyDoesNot() throws {
        let shipped = try ConfigLoader.load(path: "Configuration/appbase.toml")
        #expect(shipped.tls.enabled)
        #expect(shipped.tls.plain == .redirect)
        #expect(try ConfigLoader.parse("", file: "empty.toml").tls == TLSSettings())
        #expect(ServerConfiguration().tls.enabled == false)
    }

    @Test func readsEveryKey() throws {
        let configuration = try ConfigLoader.parse("""
            [tls]
            enabled = true
            plain = "refuse"
            ca_cert = "/etc/org/ca.pem"
            ca_key = "/etc/org/ca.key"
            leaf_days = 30
            extra_names = ["box.example.org", "10.0.0.5"]
            [tls.apps.shop]
            cert = "/etc/org/shop.pem"
            key = "/etc/org/shop.key"
            """, file: "tls.toml")
        #expect(configuration.tls == TLSSettings(
            enabled: true, plain: .refuse, caCertificatePath: "/etc/org/ca.pem", caKeyPath: "/etc/org/ca.key",
            appCertificates: ["shop": .init(certificate: "/etc/org/shop.pem", key: "/etc/org/shop.key")],
            leafDays: 30, extraNames: ["box.example.org", "10.0.0.5"]))
    }

    @Test(arguments: [
        ("[tls]\nplain = \"maybe\"", "tls.plain"),
        ("[tls]\nca_cert = \"/a.pem\"", "tls.ca_key"),
        ("[tls]\nleaf_days = 400", "tls.leaf_days"),
        ("[tls]\nextra_names = [\"not a name\"]", "tls.extra_names"),
        ("[tls.apps.shop]\ncert = \"/a.pem\"", "tls.apps.shop"),
        ("[tls]\nsurprise = 1", "tls.surprise"),
    ])
    func rejectsBadValuesNamingTheKey(text: String, key: String) {
        do {
            _ = try ConfigLoader.parse(text, file: "bad.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.key == key, "\(error)")
        }
    }

    @Test func changingTLSNeedsARestart() throws {
        let before = try ConfigLoader.parse("", file: "a.toml")
        let after = try ConfigLoader.parse("[tls]\nenabled = true", file: "a.toml")
        #expect(ConfigDiff.between(before, after).needsRestart == ["tls"])
    }
}
