import AppBaseAudit
@testable import AppBasePlatform
import Testing

/// `[audit]` sets every app's defaults; `[apps.<name>.audit]` overrides them for one app (bad values:
/// `ConfigLoaderTests.rejectsBadConfiguration`, ranges: `numericRanges`).
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
}
