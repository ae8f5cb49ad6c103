import AppBaseAudit
import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import AppBaseTestSupport
import Testing

/// The hash chain: appends link each entry to the one before; `verify` names the first entry
/// where an edit, a deletion or a truncation breaks it.
@Suite("Audit log hash chain")
struct AuditChainTests {
    @Test("an untouched chain verifies, entry by entry")
    func intact() async throws {
        try await AuditLogFixture.with { fixture in
            let empty = try await fixture.verify()
            #expect(empty.ok && empty.entries == 0 && empty.checkedThrough == nil)
            try await fixture.append(5)
            let result = try await fixture.verify()
            #expect(result.ok)
            #expect(result.entries == 5)
            #expect(result.checkedThrough == 5)
            #expect(result.checkpoint == nil)
        }
    }

    @Test("editing any field of an entry breaks the chain exactly there", arguments: [
        "UPDATE audit_log SET target = 't/other' WHERE seq = 3",
        "UPDATE audit_log SET actor_ip = '10.0.0.9' WHERE seq = 3",
        "UPDATE audit_log SET details = '{\"kind\":\"unit\",\"n\":\"7\"}' WHERE seq = 3",
        "UPDATE audit_log SET time = time + 1 WHERE seq = 3",
        "UPDATE audit_log SET hash = '" + String(repeating: "a", count: 64) + "' WHERE seq = 3",
    ])
    func edited(sql: String) async throws {
        try await AuditLogFixture.with { fixture in
            try await fixture.append(6)
            try fixture.tamper(sql)
            let result = try await fixture.verify()
            #expect(!result.ok)
            #expect(result.firstBroken == 3)
            #expect(result.checkedThrough == 2)
            #expect(result.entries == 6)
        }
    }

    @Test("deleting an entry breaks the chain at the gap")
    func deletedInside() async throws {
        try await AuditLogFixture.with { fixture in
            try await fixture.append(6)
            try fixture.tamper("DELETE FROM audit_log WHERE seq = 4")
            let result = try await fixture.verify()
            #expect(result.firstBroken == 4)
            #expect(result.reason?.contains("missing") == true)
            #expect(result.entries == 5)
        }
    }

    @Test("deleting the newest entries is noticed, also after later appends")
    func truncated() async throws {
        try await AuditLogFixture.with { fixture in
            try await fixture.append(6)
            try fixture.tamper("DELETE FROM audit_log WHERE seq >= 5")
            #expect(try await fixture.verify().firstBroken == 5)
            try await fixture.append(1)
            // The next append takes seq 7: the gap stays visible.
            #expect(try await fixture.verify().firstBroken == 5)
        }
    }

    @Test("deleting the oldest entry without a checkpoint breaks the chain at seq 1")
    func deletedOldest() async throws {
        try await AuditLogFixture.with { fixture in
            try await fixture.append(3)
            try fixture.tamper("DELETE FROM audit_log WHERE seq = 1")
            let result = try await fixture.verify()
            #expect(result.firstBroken == 1)
            #expect(result.checkedThrough == nil)
        }
    }

    @Test("a write that rolls back takes its entry with it and the chain goes on from the last committed one")
    func rollback() async throws {
        struct Refused: Error {}
        try await AuditLogFixture.with { fixture in
            try await fixture.append(2)
            let log = fixture.log
            await #expect(throws: Refused.self) {
                try await fixture.database.writer.write { write in
                    try log.append(AuditEvent(app: "a", time: 1, actor: .system, action: "rolled.back"), in: write)
                    throw Refused()
                }
            }
            // The rollback made the log forget its chain head: the next append reads it again.
            let readsBefore = log.chainHeadReads
            try await fixture.append(2)
            #expect(log.chainHeadReads == readsBefore + 1)
            let result = try await fixture.verify()
            #expect(result.ok)
            #expect(result.entries == 4)
            #expect(result.checkedThrough == 4)
        }
    }

    @Test("the mode off appends nothing")
    func off() async throws {
        try await AuditLogFixture.with { fixture in
            let log = AuditLog(writer: fixture.database.writer, clock: fixture.clock, mode: .off)
            let seq = try await fixture.database.writer.write { write in
                try log.append(AuditEvent(app: "a", time: 1, actor: .system, action: "x"), in: write)
            }
            #expect(seq == nil)
            #expect(try await fixture.verify().entries == 0)
        }
    }
}
