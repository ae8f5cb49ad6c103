@testable import AppBaseAudit
import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import AppBaseTestSupport
import Testing

/// The action filter over the partial index that leaves record writes out (ADR 0028): the same
/// entries as before, and SQLite uses the index whenever the filter cannot match a record write.
@Suite("Audit log filters")
struct AuditFilterTests {
    static func filter(_ query: String) throws -> AuditFilter {
        try AuditFilter(HTTPRequest(methodName: "GET", path: "/admin/audit-log", query: query))
    }

    /// Three record writes and three other entries, interleaved.
    static func mixedLog(_ fixture: AuditLogFixture) async throws {
        let log = fixture.log
        for (index, action) in ["record.create", "auth.login", "record.update", "auth.login.failed", "record.delete",
                                "key.create"].enumerated() {
            let event = AuditEvent(app: "a", time: 1, actor: .system, action: action, target: "t/\(index)")
            try await fixture.database.writer.write { write in try log.append(event, in: write) }
        }
    }

    @Test("action filters match the same entries with or without record writes in the index", arguments: [
        ("action=record.create", ["record.create"]),
        ("action=record.", ["record.delete", "record.update", "record.create"]),
        ("action=auth.", ["auth.login.failed", "auth.login"]),
        ("action=auth.login", ["auth.login"]),
        ("action=key.create&target=t/5", ["key.create"]),
        ("action=record", [String]()),
        ("target=t/2", ["record.update"]),
    ])
    func sameEntries(query: String, expected: [String]) async throws {
        try await AuditLogFixture.with { fixture in
            try await Self.mixedLog(fixture)
            let filter = try Self.filter(query)
            let actions = try await fixture.database.readers.read { try filter.entries(limit: 10, $0) }.map(\.action)
            #expect(actions == expected)
        }
    }

    @Test("a filter on an action other than a record write uses the partial index", arguments: [
        ("action=auth.login", true), ("action=auth.", true), ("action=record.create", false), ("action=record.", false),
    ])
    func usesPartialIndex(query: String, indexed: Bool) async throws {
        try await AuditLogFixture.with { fixture in
            let (clause, bindings) = try Self.filter(query).sql
            let plan = try await fixture.database.readers.read { connection in
                try connection.query("EXPLAIN QUERY PLAN SELECT seq FROM audit_log \(clause) ORDER BY seq DESC LIMIT 10",
                                     bindings) { $0.text(3) }.joined(separator: "\n")
            }
            #expect(plan.contains("audit_log_other_actions") == indexed, "\(plan)")
        }
    }
}
