@testable import AppBaseAudit
import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import AppBaseTestSupport
import Testing

/// The batched insert before COMMIT (ADR 0028): every statement size (32, 16, 8, 4, 2, 1 rows)
/// stores each text column as appended — absent stays NULL, empty stays empty, UTF-8 intact — in
/// sequence order, and the chain verifies.
@Suite("Audit log batched insert")
struct AuditInsertTests {
    /// Entry `index` of the batch: each optional text absent, empty or present in turn, and some
    /// texts longer than any inline string or non-ASCII.
    static func event(_ index: Int) -> AuditEvent {
        func text(_ value: String) -> String? {
            switch index % 3 {
            case 0: nil
            case 1: ""
            default: value
            }
        }
        let actor = AuditActor(userID: text("user-\(index)-" + String(repeating: "u", count: index)), keyID: text("key\(index)"),
                               ip: index % 2 == 0 ? "192.0.2.\(index)" : "2001:db8::\(index)",
                               dashboardAdminID: index % 5 == 0 ? "admin-é-\(index)" : nil)
        return AuditEvent(app: "a", time: 1_800_000_000_000 + Int64(index), actor: actor, action: "test.insert.\(index)",
                          target: text("notes/ünïcødé-\(index)"), requestID: text("request-\(index)"),
                          details: index % 4 == 0 ? [:] : ["n": String(index), "note": "naïve \"quoted\" \\ text"])
    }

    @Test("the entries of one transaction read back field for field (63 = 32+16+8+4+2+1 rows; 33 = 32+1; 1)",
          arguments: [63, 33, 1])
    func roundTrip(count: Int) async throws {
        try await AuditLogFixture.with { fixture in
            let log = fixture.log
            let events = (0..<count).map(Self.event)
            try await fixture.database.writer.write { write in
                for event in events { try log.append(event, in: write) }
            }
            let stored = try await fixture.database.readers.read { connection in
                try connection.query("SELECT \(AuditStore.columns) FROM audit_log ORDER BY seq") { AuditStore.entry($0) }
            }
            #expect(stored.count == count)
            for (index, (entry, event)) in zip(stored, events).enumerated() {
                let entry = try #require(entry)
                #expect(entry.seq == Int64(index + 1))
                #expect(entry.time == event.time)
                #expect(entry.actorKind == event.actor.kind)
                #expect(entry.userID == event.actor.userID)
                #expect(entry.keyID == event.actor.keyID)
                #expect(entry.adminID == event.actor.dashboardAdminID)
                #expect(entry.ip == event.actor.ip)
                #expect(entry.action == event.action)
                #expect(entry.target == event.target)
                #expect(entry.requestID == event.requestID)
                #expect(entry.details == event.details)
            }
            let nulls = try await fixture.database.readers.read { connection in
                try connection.queryOne("SELECT count(*) FROM audit_log WHERE target IS NULL") { $0.int64(0) }
            }
            #expect(nulls == Int64((0..<count).filter { $0 % 3 == 0 }.count))
            let result = try await fixture.verify()
            #expect(result.ok)
            #expect(result.entries == count)
        }
    }
}
