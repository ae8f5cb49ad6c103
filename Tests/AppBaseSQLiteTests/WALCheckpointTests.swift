import AppBaseCore
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import AppBaseSQLite

/// ADR 0048: the WAL is copied into the database file by a thread of its own; the writer steps in
/// only past its limit; closing waits for a pass and leaves no WAL behind.
@Suite struct WALCheckpointTests {
    static let schema = [Migration(version: 1, name: "blobs", sql: "CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL);")]

    /// A database in a fresh directory, its writer opened with `policy`; removed afterwards.
    static func withWriter(_ policy: CheckpointPolicy, _ body: (DatabaseWriter, String) async throws -> Void) async throws {
        let root = try TemporaryDirectory.make(prefix: "appbase-wal")
        defer { TemporaryDirectory.remove(root) }
        let path = "\(root)/db.sqlite"
        let writer = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"],
                                                   migrations: [("test", schema)], checkpoint: policy)
        do {
            try await body(writer, path)
        } catch {
            await writer.close()
            throw error
        }
        await writer.close()
    }

    /// `commits` transactions of `rows` rows of 2,000 bytes each (about `rows / 2 + 1` WAL frames apiece).
    static func fill(_ writer: DatabaseWriter, commits: Int, rows: Int) async throws {
        let body = String(repeating: "x", count: 2_000)
        for _ in 0..<commits {
            try await writer.write { context in
                for _ in 0..<rows { try context.connection.run("INSERT INTO blobs (body) VALUES (?)", [.text(body)]) }
            }
        }
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    @Test("the trigger asks for a pass each step of growth; past its limit the writer copies a short tail")
    func triggerDecisions() {
        var trigger = CheckpointTrigger(policy: CheckpointPolicy(backgroundStep: 10, writerLimit: 50, writerTail: 5))
        // (frames after a commit, the checkpointer's progress then, pass requested, writer checkpoints)
        let steps: [(Int, CheckpointProgress, Bool, Bool)] = [
            (5, .init(), false, false), (10, .init(), true, false), (15, .init(), false, false),
            (20, .init(), true, false), (29, .init(passes: 2, walFrames: 20, backfilled: 20), false, false),
            // Past the limit: a pass after every commit while the tail is long...
            (52, .init(passes: 3, walFrames: 40, backfilled: 38), true, false),
            (54, .init(passes: 4, walFrames: 52, backfilled: 46), true, false),
            // ...and the writer copies it once it is short.
            (57, .init(passes: 5, walFrames: 54, backfilled: 53), false, true),
            // The WAL started over from its beginning (5 passes so far)...
            (3, .init(passes: 5, walFrames: 54, backfilled: 54), false, false),
            (12, .init(passes: 5, walFrames: 54, backfilled: 54), true, false),
            (30, .init(passes: 6, walFrames: 12, backfilled: 12), true, false),
            // ...and a pass from before it copied none of the new frames, even once the WAL is larger.
            (60, .init(passes: 5, walFrames: 54, backfilled: 54), true, false),
            (62, .init(passes: 7, walFrames: 60, backfilled: 58), false, true),
        ]
        for (frames, progress, background, writer) in steps {
            let action = trigger.afterCommit(walFrames: frames) { progress }
            #expect(action.requestBackground == background, "\(frames) frames")
            #expect(action.writerCheckpoints == writer, "\(frames) frames")
        }
    }

    @Test("background passes copy the WAL into the database file while the writer never checkpoints")
    func backgroundPasses() async throws {
        try await Self.withWriter(CheckpointPolicy(backgroundStep: 20, writerLimit: .max, writerTail: 0)) { writer, path in
            let checkpointer = try #require(writer.checkpointer)
            try await Self.fill(writer, commits: 20, rows: 20)
            await checkpointer.waitForQueuedPasses()
            let progress = checkpointer.progress
            #expect(progress.passes >= 1)
            #expect(progress.backfilled > 0 && progress.backfilled <= progress.walFrames, "\(progress)")
            #expect(checkpointer.failedPasses == 0)
            // 400 rows of 2,000 bytes reached the database file (without a checkpoint it holds only the schema).
            #expect(Self.fileSize(path) > 400_000, "\(Self.fileSize(path)) bytes")
        }
    }

    @Test("past its limit the WAL starts over and stays small")
    func writerLimitBoundsTheWAL() async throws {
        try await Self.withWriter(CheckpointPolicy(backgroundStep: .max, writerLimit: 50, writerTail: .max)) { writer, path in
            try await Self.fill(writer, commits: 200, rows: 20)
            // ~2,200 frames written; the WAL starts over once the writer has copied past 50 frames. SQLite's
            // automatic checkpoint (1,000 frames by default) would have let it grow past 4 MB.
            #expect(Self.fileSize(path + "-wal") < 1_000_000, "\(Self.fileSize(path + "-wal")) bytes")
            // 4,000 rows of 2,000 bytes: most of the 8 MB are in the database file.
            #expect(Self.fileSize(path) > 6_000_000)
        }
    }

    @Test("close after passes leaves an empty WAL, and every row is there on reopening")
    func closeAfterPasses() async throws {
        let root = try TemporaryDirectory.make(prefix: "appbase-wal")
        defer { TemporaryDirectory.remove(root) }
        let path = "\(root)/db.sqlite"
        let policy = CheckpointPolicy(backgroundStep: 5, writerLimit: .max, writerTail: 0)
        let writer = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL"],
                                                   migrations: [("test", Self.schema)], checkpoint: policy)
        let checkpointer = try #require(writer.checkpointer)
        try await Self.fill(writer, commits: 30, rows: 10)
        await writer.close()
        #expect(checkpointer.progress.passes >= 1)
        #expect(Self.fileSize(path + "-wal") == 0)
        let reopened = try SQLiteConnection(path: path, mode: .readOnly)
        #expect(try reopened.queryOne("SELECT count(*) FROM blobs") { $0.int64(0) } == 300)
    }

    @Test("a pass on a database that is gone fails, counted, and creates nothing")
    func missingDatabase() async throws {
        let root = try TemporaryDirectory.make(prefix: "appbase-wal")
        defer { TemporaryDirectory.remove(root) }
        let checkpointer = WALCheckpointer(path: "\(root)/absent.sqlite", idleTimeout: nil)
        checkpointer.request()
        await checkpointer.waitForQueuedPasses()
        #expect(checkpointer.failedPasses == 1)
        #expect(checkpointer.progress.passes == 0)
        #expect(access("\(root)/absent.sqlite", F_OK) != 0)
        await checkpointer.close()
    }
}
