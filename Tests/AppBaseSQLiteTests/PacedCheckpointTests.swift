@testable import AppBaseSQLite
import Testing

/// The checkpointer's connection goes through `PacedCheckpointVFS` (ADR 0053): a pass that copies
/// megabytes syncs the database file as it goes, and copies every frame intact.
@Suite struct PacedCheckpointTests {
    @Test func aLargePassSyncsAsItCopiesAndLosesNothing() async throws {
        try await WALWriteCoalescingTests.withPath { path in
            let writer = try await DatabaseWriter.open(
                path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA wal_autocheckpoint = 0"],
                migrations: [("test", WALWriteCoalescingTests.schema)])
            for chunk in 0..<6 {
                try await writer.write { context in
                    for id in (chunk * 100 + 1)...(chunk * 100 + 100) {
                        try context.connection.run("INSERT INTO blobs (id, body) VALUES (?, ?)",
                                                   [.integer(Int64(id)), .blob(WALWriteCoalescingTests.body(id, size: 4_000))])
                    }
                }
            }
            let checkpointer = try SQLiteConnection(path: path, mode: .readWriteExisting, vfs: .pacedCheckpoint)
            #expect(checkpointer.vfsName == "appbase-paced-checkpoint")
            try checkpointer.execute("PRAGMA synchronous = FULL")
            _ = try checkpointer.queryOne("SELECT count(*) FROM sqlite_master") { $0.int64(0) }
            let syncsBefore = PacedCheckpointVFS.pacedSyncs
            let pass = try checkpointer.checkpoint(.passive)
            #expect(pass.walFrames > 600)
            #expect(pass.copied == pass.walFrames)
            // ≥ 2.4 MB copied: at least one added sync per 256 KiB.
            #expect(PacedCheckpointVFS.pacedSyncs - syncsBefore >= 9)
            await writer.close()
            let reopened = try SQLiteConnection(path: path, mode: .readOnly)
            #expect(try reopened.queryOne("PRAGMA integrity_check") { $0.text(0) } == "ok")
            for id in 1...600 {
                #expect(try WALWriteCoalescingTests.stored(reopened, id: id) == WALWriteCoalescingTests.body(id, size: 4_000))
            }
        }
    }
}
