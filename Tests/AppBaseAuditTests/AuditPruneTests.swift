import AppBaseAudit
import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Testing

/// Retention: pruning cuts the oldest entries and leaves a checkpoint, so what remains verifies.
@Suite("Audit log pruning")
struct AuditPruneTests {
    static let day: Int64 = 86_400_000

    @Test("pruning deletes the old entries, appends a checkpoint, and the rest still verifies")
    func prunesWithCheckpoint() async throws {
        try await AuditLogFixture.with { fixture in
            let now = fixture.clock.nowMilliseconds()
            try await fixture.append(4, time: now - 10 * Self.day, action: "old")
            try await fixture.append(3, time: now - Self.day, action: "new")
            let deleted = try await fixture.log.prune(before: now - 5 * Self.day)
            #expect(deleted == 4)
            let result = try await fixture.verify()
            #expect(result.ok)
            #expect(result.entries == 4)            // 3 new + the checkpoint
            #expect(result.checkedThrough == 8)
            #expect(result.checkpoint?.seq == 8)
            #expect(result.checkpoint?.cutSeq == 4)
            let actions = try await fixture.database.readers.read { connection in
                try connection.query("SELECT action FROM audit_log ORDER BY seq") { $0.text(0) }
            }
            #expect(actions == ["new.0", "new.1", "new.2", "audit.checkpoint"])
        }
    }

    @Test("a prune longer than one batch cuts in several transactions, each with its checkpoint; the rest verifies")
    func prunesInBatches() async throws {
        try await AuditLogFixture.with { fixture in
            let now = fixture.clock.nowMilliseconds()
            let old = 2 * AuditLog.pruneBatchRows + 10
            // Appended concurrently so they share group commits (a commit each would take seconds).
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<old {
                    let event = AuditEvent(app: "a", time: now - 10 * Self.day, actor: .system, action: "old.\(index)")
                    let log = fixture.log
                    group.addTask { () async throws -> Void in
                        _ = try await fixture.database.writer.write { write in try log.append(event, in: write) }
                    }
                }
                try await group.waitForAll()
            }
            try await fixture.append(2, action: "new")
            #expect(try await fixture.log.prune(before: now - Self.day) == old)
            let checkpoints = try await fixture.database.readers.read { connection in
                try connection.query("SELECT seq FROM audit_log WHERE action = 'audit.checkpoint' ORDER BY seq") { $0.int64(0) }
            }
            // One per transaction: two full batches and the last ten.
            #expect(checkpoints.count == 3)
            let result = try await fixture.verify()
            #expect(result.ok)
            #expect(result.entries == 2 + 3)
        }
    }

    @Test("nothing old enough: nothing deleted, no checkpoint")
    func nothingToPrune() async throws {
        try await AuditLogFixture.with { fixture in
            try await fixture.append(3)
            #expect(try await fixture.log.prune(before: fixture.clock.nowMilliseconds() - Self.day) == 0)
            #expect(try await fixture.verify().entries == 3)
        }
    }

    @Test("pruning everything keeps the checkpoint; later prunes and appends still verify")
    func repeatedPrunes() async throws {
        try await AuditLogFixture.with { fixture in
            let now = fixture.clock.nowMilliseconds()
            try await fixture.append(3, time: now - 10 * Self.day)
            #expect(try await fixture.log.prune(before: now) == 3)
            var result = try await fixture.verify()
            #expect(result.ok && result.entries == 1 && result.checkpoint?.cutSeq == 3)
            fixture.clock.advance(milliseconds: 10)
            try await fixture.append(2)
            // The first checkpoint (written at `now`) is older than now + 1 ms: the next prune cuts it alone.
            #expect(try await fixture.log.prune(before: now + 1) == 1)
            result = try await fixture.verify()
            #expect(result.ok)
            #expect(result.checkpoint?.cutSeq == 4)
            #expect(result.entries == 3)
        }
    }

    @Test("deleting the entries right after a checkpoint's cut is still found")
    func gapAfterCheckpoint() async throws {
        try await AuditLogFixture.with { fixture in
            let now = fixture.clock.nowMilliseconds()
            try await fixture.append(2, time: now - 10 * Self.day)
            try await fixture.append(3)
            try await fixture.log.prune(before: now - Self.day)
            try fixture.tamper("DELETE FROM audit_log WHERE seq = 3")
            let result = try await fixture.verify()
            #expect(result.firstBroken == 3)
        }
    }
}
