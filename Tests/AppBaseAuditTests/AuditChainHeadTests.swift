import AppBaseAudit
import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import AppBaseTestSupport
import Testing

/// The chain head kept in memory (ADR 0028): reused by the appends that follow one another,
/// forgotten by every rollback and by another connection's commit, so the chain always goes on
/// from the newest committed entry.
@Suite("Audit log chain head")
struct AuditChainHeadTests {
    struct Refused: Error {}

    @Test("appends one after another read the head from the table only once")
    func reused() async throws {
        try await AuditLogFixture.with { fixture in
            try await fixture.append(5)
            #expect(fixture.log.chainHeadReads == 1)
            let result = try await fixture.verify()
            #expect(result.ok && result.entries == 5)
        }
    }

    @Test("after a group commit failed, the next append links to the entry committed before it")
    func commitFailure() async throws {
        // A deferred foreign key is checked only at COMMIT: the write succeeds in its savepoint
        // and its whole transaction then fails, taking back the audit entry appended in it.
        let dangling = MigrationSet(namespace: "dangling", migrations: [Migration(version: 1, name: "deferred key", sql: """
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (id INTEGER PRIMARY KEY,
                                parent INTEGER NOT NULL REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
            """)])
        let directory = try TemporaryDirectory.make(prefix: "audit-head")
        defer { TemporaryDirectory.remove(directory) }
        let database = try await TestDatabase.open(in: directory, foreignKeys: true, migrations: [AuditLog.migrations, dangling])
        let log = AuditLog(writer: database.writer, clock: ManualWallClock(milliseconds: 1_800_000_000_000))
        do {
            for index in 0..<2 {
                try await database.writer.write { write in
                    try log.append(AuditEvent(app: "a", time: 1, actor: .system, action: "kept.\(index)"), in: write)
                }
            }
            await #expect(throws: SQLiteError.self) {
                try await database.writer.write { write in
                    try log.append(AuditEvent(app: "a", time: 1, actor: .system, action: "lost"), in: write)
                    try write.connection.run("INSERT INTO child (parent) VALUES (999)")
                }
            }
            try await database.writer.write { write in
                try log.append(AuditEvent(app: "a", time: 1, actor: .system, action: "after"), in: write)
            }
            let result = try await database.readers.read { try AuditVerification.verify($0) }
            #expect(result.ok)
            #expect(result.entries == 3 && result.checkedThrough == 3)
            let actions = try await database.readers.read { connection in
                try connection.query("SELECT action FROM audit_log ORDER BY seq") { $0.text(0) }
            }
            #expect(actions == ["kept.0", "kept.1", "after"])
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    @Test("admin actions, record writes and failing writes at once keep one linear chain")
    func concurrentWriters() async throws {
        try await AuditLogFixture.with { fixture in
            let environment = AuditServiceTests.environment(fixture)
            let log = fixture.log, writer = fixture.database.writer
            // Bounded: 240 writes in three kinds, interleaved so they share group commits. Each
            // task says whether its entry committed.
            let committed = await withTaskGroup(of: Bool.self, returning: Int.self) { group in
                for index in 0..<240 {
                    group.addTask {
                        switch index % 3 {
                        case 0:
                            // An admin action: its entry in a write of its own (AppEnvironment.audit).
                            await environment.audit("admin.action", actor: AuditActor(keyID: "admin"), target: "t/\(index)")
                            return true
                        case 1:
                            // A record write: its entry inside the write's own transaction.
                            let event = AuditEvent(app: "a", time: 1, actor: AuditActor(userID: "u"), action: "record.create",
                                                   target: "notes/\(index)")
                            return (try? await writer.write { write in try log.append(event, in: write) != nil }) ?? false
                        default:
                            // A write that appends and then fails: its entry must vanish with it.
                            let event = AuditEvent(app: "a", time: 1, actor: .system, action: "record.update", target: "notes/\(index)")
                            _ = try? await writer.write { write in
                                try log.append(event, in: write)
                                throw Refused()
                            }
                            return false
                        }
                    }
                }
                var count = 0
                for await done in group where done { count += 1 }
                return count
            }
            let result = try await fixture.verify()
            #expect(result.ok)
            #expect(committed == 160)
            #expect(result.entries == Int64(committed))
            #expect(result.checkedThrough == result.entries)
            let failed = try await fixture.database.readers.read { connection in
                try connection.queryOne("SELECT count(*) FROM audit_log WHERE action = 'record.update'") { $0.int64(0) }
            }
            #expect(failed == 0)
        }
    }

    @Test("another connection's commit is seen by the next append")
    func outsideCommit() async throws {
        try await AuditLogFixture.with { fixture in
            try await fixture.append(6)
            // A truncation that also resets SQLite's counter leaves no gap: the log goes on from
            // entry 4 only if the append read the table again instead of its remembered head (6).
            try fixture.tamper("DELETE FROM audit_log WHERE seq >= 5; UPDATE sqlite_sequence SET seq = 4 WHERE name = 'audit_log'")
            try await fixture.append(1)
            #expect(fixture.log.chainHeadReads == 2)
            let result = try await fixture.verify()
            #expect(result.ok && result.entries == 5 && result.checkedThrough == 5)
        }
    }
}
