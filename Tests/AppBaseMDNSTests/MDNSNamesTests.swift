@testable import AppBaseMDNS
import Testing

/// Host names, TXT records and the `[mdns] domain` grammar.
@Suite struct MDNSNamesTests {
    @Test func appHostNamesFollowTheDomain() {
        #expect(MDNSNames(domain: "appbase.local").hostNames(app: "notes")
            == ["api.notes.appbase.local", "dashboard.notes.appbase.local", "notes.appbase.local"])
        #expect(MDNSNames(domain: "lab.local").hostNames(app: "a1")
            == ["api.a1.lab.local", "dashboard.a1.lab.local", "a1.lab.local"])
    }

    @Test func txtRecordsNameTheAppTheAPIAndTheVersion() {
        #expect(MDNSNames.appTXT(app: "notes", version: "0.1.0") == ["app=notes", "api=/", "version=0.1.0"])
        #expect(MDNSNames.controlPlaneTXT(version: "0.1.0") == ["api=/api", "version=0.1.0"])
    }

    @Test(arguments: ["appbase.local", "lab.local", "my-box.office.local", "a.local"])
    func acceptsLocalDomains(domain: String) {
        #expect(MDNSSettings.problem(withDomain: domain) == nil)
    }

    @Test(arguments: [
        ("appbase.lan", "ending in .local"), ("local", "ending in .local"), ("appbase.example.com", "ending in .local"),
        ("AppBase.local", "not a DNS label"), ("-x.local", "not a DNS label"), ("x-.local", "not a DNS label"),
        ("a..local", "not a DNS label"), (".local", "not a DNS label"), ("a_b.local", "not a DNS label"),
        (String(repeating: "a", count: 64) + ".local", "not a DNS label"),
        (Array(repeating: String(repeating: "a", count: 60), count: 4).joined(separator: ".") + ".local", "at most"),
    ])
    func rejectsOtherDomains(domain: String, problem: String) {
        #expect(MDNSSettings.problem(withDomain: domain)?.contains(problem) == true)
    }

    @Test func defaultsAreOnAndAppbaseLocal() {
        let settings = MDNSSettings()
        #expect(settings.enabled)
        #expect(settings.domain == "appbase.local")
        #expect(settings.addresses == nil)
    }
}
