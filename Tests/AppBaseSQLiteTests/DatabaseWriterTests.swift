import AppBaseCore
import AppBaseSQLite
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The single writer: group commit, per-write savepoints, after-commit ordering, bounded queue.
@Suite struct DatabaseWriterTests {
    static let schema = [Migration(version: 1, name: "items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);")]

    static func withDatabase(maxQueued: Int = 4096, idleTimeout: Duration? = nil, _ body: (DatabaseWriter, DatabaseReaders, String) async throws -> Void) async throws {
        var template = Array("/tmp/appbase-sqlite-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { buffer -> String in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return "/tmp" }
            return String(cString: base)
        }
        defer { _ = directory.withCString { path in unlink("\(String(cString: path))/db.sqlite") } }
        let path = "\(directory)/db.sqlite"
        let writer = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"],
                                                   migrations: [("test", schema)], maxQueued: maxQueued,
                                                   idleTimeout: idleTimeout)
        let readers = try await DatabaseReaders.open(path: path, count: 2, pragmas: [], idleTimeout: idleTimeout)
        try await body(writer, readers, path)
        await readers.close()
        await writer.close()
    }

    @Test func concurrentWritesShareCommits() async throws {
        try await Self.withDatabase { writer, readers, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<400 {
                    group.addTask {
                        _ = try await writer.write { context in
                            try context.connection.run("INSERT INTO items (name) VALUES (?)", [.text("item-\(index)")])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let count = try await readers.read { try $0.queryOne("SELECT count(*) FROM items") { $0.int64(0) } }
            #expect(count == 400)
            // Group commit: far fewer transactions than writes.
            #expect(writer.commitCount < 400)
        }
    }

    @Test func aFailingWriteRollsBackAloneInsideItsGroup() async throws {
        try await Self.withDatabase { writer, readers, _ in
            try await writer.write { try $0.connection.run("INSERT INTO items (name) VALUES ('taken')") }
            let results = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
                for index in 0..<50 {
                    group.addTask {
                        do {
                            try await writer.write { context in
                                try context.connection.run("INSERT INTO items (name) VALUES (?)", [.text("ok-\(index)")])
                                if index % 10 == 0 {
                                    // Writes a row, then fails: its own row must disappear, others stay.
                                    try context.connection.run("INSERT INTO items (name) VALUES ('taken')")
                                }
                            }
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { !$0 }.count == 5)
            let names = try await readers.read { try $0.query("SELECT name FROM items WHERE name LIKE 'ok-%'") { $0.text(0) } }
            #expect(names.count == 45)
            #expect(!names.contains("ok-0") && !names.contains("ok-10"))
        }
    }

    @Test func afterCommitActionsRunInCommitOrderAndNotOnRollback() async throws {
        try await Self.withDatabase { writer, _, _ in
            let seen = Recorder()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        _ = try? await writer.write { context in
                            try context.connection.run("INSERT INTO items (name) VALUES (?)", [.text("n\(index)")])
                            let rowid = context.connection.lastInsertRowID
                            context.afterCommit { seen.append(rowid) }
                            if index == 7 { throw AppBaseError.badRequest("rolled back") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let order = seen.values
            #expect(order.count == 99)
            #expect(order == order.sorted())
        }
    }

    @Test func aFullQueueAnswersServerBusy() async throws {
        try await Self.withDatabase(maxQueued: 1) { writer, _, _ in
            let outcomes = await withTaskGroup(of: String.self, returning: [String].self) { group in
                for index in 0..<200 {
                    group.addTask {
                        do {
                            try await writer.write { context in
                                try context.connection.run("INSERT INTO items (name) VALUES (?)", [.text("b\(index)")])
                            }
                            return "ok"
                        } catch let error as AppBaseError {
                            return error.code.rawValue
                        } catch {
                            return "other"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.contains("ok"))
            #expect(Set(outcomes).isSubset(of: ["ok", "server_busy"]))
        }
    }

    @Test func readersSeeCommittedWritesOnly() async throws {
        try await Self.withDatabase { writer, readers, _ in
            try await writer.write { try $0.connection.run("INSERT INTO items (name) VALUES ('visible')") }
            let names = try await readers.read { try $0.query("SELECT name FROM items") { $0.text(0) } }
            #expect(names == ["visible"])
        }
    }

    @Test func theWorkBudgetInterruptsARunawayQuery() async throws {
        try await Self.withDatabase { _, readers, _ in
            let interrupted = try await readers.read { connection -> Bool in
                do {
                    try connection.withWorkBudget(steps: 10_000) {
                        _ = try connection.queryOne(
                            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000000) SELECT count(*) FROM n"
                        ) { $0.int64(0) }
                    }
                    return false
                } catch let error as SQLiteError {
                    return error.isInterrupted
                }
            }
            #expect(interrupted)
            // The budget is lifted afterwards.
            let small = try await readers.read { try $0.queryOne("SELECT 41 + 1") { $0.int64(0) } }
            #expect(small == 42)
        }
    }

    @Test func migrationsAreAppliedOnceAndRefuseANewerSchema() async throws {
        try await Self.withDatabase { writer, _, path in
            await writer.close()
            // Reopening applies nothing new.
            let again = try await DatabaseWriter.open(path: path, pragmas: [], migrations: [("test", Self.schema)])
            await again.close()
            await #expect(throws: MigrationError.self) {
                _ = try await DatabaseWriter.open(path: path, pragmas: [], migrations: [("test", [])])
            }
        }
    }
}

/// Collects values from concurrent after-commit actions.
final class Recorder: Sendable {
    private let storage = Mutex<[Int64]>([])
    func append(_ value: Int64) { storage.withLock { $0.append(value) } }
    var values: [Int64] { storage.withLock { $0 } }
}
