import AppBaseCore
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
        var template = Array("/tmp/appbase-wal-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        let root = try #require(directory)
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink("\(root)/db.sqlite\(suffix)") }
            rmdir(root)
        }
        let path = "\(root)/db.sqlite"
        let writer = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"],
                                                   migrations: [("test", schema)], checkpoint: policy)
        try await body(writer, path)
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

    @Test("the policy asks for a pass each step of growth; past its limit the writer copies a short tail")
    func policyDecisions() {
        let policy = CheckpointPolicy(backgroundStep: 10, writerLimit: 50, writerTail: 5)
        var lastRequest = 0
        // (frames after a commit, the last pass's (WAL size, frames copied), pass requested, writer checkpoints)
        let steps: [(Int, (walFrames: Int, backfilled: Int)?, Bool, Bool)] = [
            (5, nil, false, false), (10, nil, true, false), (15, nil, false, false), (20, nil, true, false),
            (29, nil, false, false),
            // Past the limit: a pass after every commit while the tail is long...
            (52, (40, 38), true, false), (54, (52, 46), true, false),
            // ...and the writer copies it once it is short.
            (57, (54, 53), false, true),
            // A pass on a WAL larger than this one ran before the WAL started over: it copied none of these.
            (58, (60, 60), true, false),
            // Past the hard limit (twice the limit) the writer copies whatever the tail.
            (100, (90, 20), false, true),
            // The WAL started over from its beginning.
            (3, (100, 80), false, false), (12, nil, true, false),
        ]
        for (frames, lastPass, background, writer) in steps {
            let action = policy.action(walFrames: frames, lastRequest: &lastRequest, lastPass: lastPass)
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
            let statistics = checkpointer.statistics
            #expect(statistics.passes >= 1)
            let last = try #require(statistics.last)
            #expect(last.backfilled > 0 && last.backfilled <= last.walFrames, "\(last)")
            // 400 rows of 2,000 bytes reached the database file (without a checkpoint it holds only the schema).
            #expect(Self.fileSize(path) > 400_000, "\(Self.fileSize(path)) bytes")
        }
    }

    @Test("past its limit the writer checkpoints itself, so the WAL restarts and stays small")
    func writerLimitBoundsTheWAL() async throws {
        try await Self.withWriter(CheckpointPolicy(backgroundStep: .max, writerLimit: 50, writerTail: .max)) { writer, path in
            try await Self.fill(writer, commits: 200, rows: 20)
            #expect(writer.checkpointer?.statistics.passes == 0)
            // ~2,200 frames written; the WAL restarts once the writer has copied past 50 frames. SQLite's
            // automatic checkpoint (1,000 frames by default) would have let it grow past 4 MB.
            #expect(Self.fileSize(path + "-wal") < 1_000_000, "\(Self.fileSize(path + "-wal")) bytes")
            #expect(Self.fileSize(path) > 8_000_000)
        }
    }

    @Test("past the limit, passes shorten the tail until the writer copies it and the WAL starts over")
    func passesThenTheWriter() async throws {
        try await Self.withWriter(CheckpointPolicy(backgroundStep: 40, writerLimit: 120, writerTail: 30)) { writer, path in
            try await Self.fill(writer, commits: 300, rows: 10)
            #expect((writer.checkpointer?.statistics.passes ?? 0) >= 1)
            // ~1,800 frames written; the WAL starts over by 240 frames (the hard limit) at the latest.
            #expect(Self.fileSize(path + "-wal") < 300 * 4_120, "\(Self.fileSize(path + "-wal")) bytes")
        }
    }

    @Test("close waits for a requested pass, then empties the WAL; every row is there on reopening")
    func closeAfterPasses() async throws {
        var template = Array("/tmp/appbase-wal-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        let root = try #require(directory)
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink("\(root)/db.sqlite\(suffix)") }
            rmdir(root)
        }
        let path = "\(root)/db.sqlite"
        let policy = CheckpointPolicy(backgroundStep: 5, writerLimit: .max, writerTail: 0)
        let writer = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL"],
                                                   migrations: [("test", Self.schema)], checkpoint: policy)
        try await Self.fill(writer, commits: 30, rows: 10)
        await writer.close()
        #expect(Self.fileSize(path + "-wal") == 0)
        let reopened = try SQLiteConnection(path: path, mode: .readOnly)
        #expect(try reopened.queryOne("SELECT count(*) FROM blobs") { $0.int64(0) } == 300)
    }
}
