import AppBaseCore
import AppBaseSQLite
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The writer's WAL goes through `WALWriteCoalescingVFS` (ADR 0052): what it commits is what other
/// connections and a later reopen read, for rows smaller and larger than one buffered run, across
/// checkpoints that restart the WAL, and for transactions that spill frames before they commit.
@Suite struct WALWriteCoalescingTests {
    static let schema = [Migration(version: 1, name: "blobs",
                                   sql: "CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL);")]

    /// A fresh database directory; the database is removed afterwards.
    static func withPath(_ body: (String) async throws -> Void) async throws {
        var template = Array("/tmp/appbase-walvfs-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { buffer -> String in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return "/tmp" }
            return String(cString: base)
        }
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink("\(directory)/db.sqlite\(suffix)") }
            rmdir(directory)
        }
        try await body("\(directory)/db.sqlite")
    }

    /// Bytes that differ from row to row and from position to position.
    static func body(_ id: Int, size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ id &* 7) }
    }

    static func insert(_ writer: DatabaseWriter, id: Int, size: Int) async throws {
        let bytes = body(id, size: size)
        try await writer.write { context in
            try context.connection.run("INSERT INTO blobs (id, body) VALUES (?, ?)", [.integer(Int64(id)), .blob(bytes)])
        }
    }

    static func stored(_ connection: SQLiteConnection, id: Int) throws -> [UInt8]? {
        try connection.queryOne("SELECT body FROM blobs WHERE id = ?", [.integer(Int64(id))]) { $0.blob(0) }
    }

    @Test func theWriterUsesItOnlyWhenEveryCommitSyncs() async throws {
        try await Self.withPath { path in
            let full = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"],
                                                     migrations: [("test", Self.schema)])
            #expect(try await full.withConnection { $0.vfsName } == "appbase-wal-coalescing")
            await full.close()
            let normal = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"],
                                                       migrations: [("test", Self.schema)])
            #expect(try await normal.withConnection { $0.vfsName } == "unix")
            await normal.close()
            #expect(try SQLiteConnection(path: path, mode: .readOnly).vfsName == "unix")
        }
    }

    @Test(arguments: [10, 5_000, 131_071, 200_000, 1_048_576])
    func everyCommitIsReadByAnotherConnectionAndAfterReopening(size: Int) async throws {
        try await Self.withPath { path in
            let writer = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"],
                                                       migrations: [("test", Self.schema)])
            let reader = try SQLiteConnection(path: path, mode: .readOnly)
            for id in 1...6 {
                try await Self.insert(writer, id: id, size: size + id)
                // Read through the default VFS, on another connection, right after the commit.
                #expect(try Self.stored(reader, id: id) == Self.body(id, size: size + id))
                if id == 3 {
                    // Empties the WAL: the next commit writes from its start again.
                    let result = try await writer.withConnection { try $0.checkpoint(.truncate) }
                    #expect(result.walFrames == 0)
                }
            }
            await writer.close()
            let reopened = try SQLiteConnection(path: path, mode: .readOnly)
            #expect(try reopened.queryOne("PRAGMA integrity_check") { $0.text(0) } == "ok")
            for id in 1...6 { #expect(try Self.stored(reopened, id: id) == Self.body(id, size: size + id)) }
        }
    }

    @Test func concurrentGroupCommitsAreAllVisible() async throws {
        try await Self.withPath { path in
            let writer = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"],
                                                       migrations: [("test", Self.schema)])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in 1...300 { group.addTask { try await Self.insert(writer, id: id, size: 100 + id * 13) } }
                try await group.waitForAll()
            }
            #expect(writer.commitCount < 300)
            let reader = try SQLiteConnection(path: path, mode: .readOnly)
            for id in 1...300 { #expect(try Self.stored(reader, id: id) == Self.body(id, size: 100 + id * 13)) }
            await writer.close()
        }
    }

    /// With a 10-page cache a large transaction writes frames to the WAL before it commits and
    /// reads them back (and rewrites pages it already wrote): the writer must see its own buffered
    /// frames, a rolled-back spill must leave nothing, and the next commit must still be whole.
    @Test func spilledTransactionsCommitAndRollBackWhole() async throws {
        try await Self.withPath { path in
            let writer = try await DatabaseWriter.open(
                path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA cache_size = 10"],
                migrations: [("test", Self.schema)])
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await writer.write { context in
                    for id in 1...400 {
                        try context.connection.run("INSERT INTO blobs (id, body) VALUES (?, ?)",
                                                   [.integer(Int64(id)), .blob(Self.body(id, size: 3_000))])
                    }
                    throw Refused()
                }
            }
            try await writer.write { context in
                for id in 1...400 {
                    try context.connection.run("INSERT INTO blobs (id, body) VALUES (?, ?)",
                                               [.integer(Int64(id)), .blob(Self.body(id, size: 2_000 + id))])
                }
                // Rewrites pages this transaction has already spilled.
                try context.connection.run("UPDATE blobs SET body = zeroblob(10) WHERE id % 2 = 0")
            }
            let reader = try SQLiteConnection(path: path, mode: .readOnly)
            #expect(try reader.queryOne("SELECT count(*) FROM blobs") { $0.int64(0) } == 400)
            for id in stride(from: 1, through: 399, by: 2) {
                #expect(try Self.stored(reader, id: id) == Self.body(id, size: 2_000 + id))
            }
            #expect(try Self.stored(reader, id: 2) == [UInt8](repeating: 0, count: 10))
            await writer.close()
            let reopened = try SQLiteConnection(path: path, mode: .readOnly)
            #expect(try reopened.queryOne("PRAGMA integrity_check") { $0.text(0) } == "ok")
            #expect(try reopened.queryOne("SELECT count(*) FROM blobs") { $0.int64(0) } == 400)
        }
    }
}
