import AppBaseAudit
@testable import AppBasePlatform
import Testing

/// `[audit]` sets every app's defaults; `[apps.<name>.audit]` overrides them for one app.
@Suite struct AuditConfigTests {
    @Test func defaultsWithoutAnyAuditTable() throws {
        let configuration = try ConfigLoader.parse("[apps.a]\n", file: "audit.toml")
        let audit = try #require(configuration.app(named: "a")).services.audit
        #expect(audit == AuditSettings())
        #expect(audit.mode == .transaction && audit.retainDays == 365 && audit.pruneIntervalSeconds == 3600)
    }

    @Test func anAppInheritsTheServerWideTableAndMayOverrideIt() throws {
        let text = """
            [audit]
            retain_days = 30
            prune_interval_seconds = 600
            [apps.a]
            [apps.b.audit]
            retain_days = 0
            mode = "off"
            """
        let configuration = try ConfigLoader.parse(text, file: "audit.toml")
        let a = try #require(configuration.app(named: "a")).services.audit
        let b = try #require(configuration.app(named: "b")).services.audit
        #expect(a.retainDays == 30 && a.pruneIntervalSeconds == 600 && a.mode == .transaction)
        #expect(b.retainDays == 0 && b.pruneIntervalSeconds == 600 && b.mode == .off)
    }

    @Test(arguments: [
        ("[audit]\nmode = \"bus\"\n", "audit.mode", "must be one of"),
        ("[apps.a.audit]\nmode = \"later\"\n", "apps.a.audit.mode", "must be one of"),
        ("[audit]\nenabled = false\n", "audit.enabled", "unknown key"),
        ("[apps.a.audit]\nretain = 3\n", "apps.a.audit.retain", "unknown key"),
    ])
    func rejectsBadAuditSettings(text: String, key: String, problem: String) {
        #expect {
            _ = try ConfigLoader.parse(text, file: "bad.toml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.file == "bad.toml" && error.key == key && error.problem.contains(problem)
        }
    }
}
