import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Synchronization
import Testing

/// `WriteContext.onRollback` and `WriteContext.transaction`: what state kept beside the database
/// (the audit log's chain head) relies on to forget what a rollback took back.
@Suite struct DatabaseWriterRollbackTests {
    /// `items` as in the writer's tests, and `child` whose deferred foreign key fails only at COMMIT.
    static let schema = [Migration(version: 1, name: "items", sql: """
        CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
        CREATE TABLE child (id INTEGER PRIMARY KEY,
                            item INTEGER NOT NULL REFERENCES items(id) DEFERRABLE INITIALLY DEFERRED);
        """)]

    static func withWriter(_ body: (DatabaseWriter) async throws -> Void) async throws {
        let directory = try TemporaryDirectory.make(prefix: "writer-rollback")
        defer { TemporaryDirectory.remove(directory) }
        let writer = try await DatabaseWriter.open(path: directory + "/db.sqlite",
                                                   pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON"],
                                                   migrations: [("test", schema)])
        do {
            try await body(writer)
        } catch {
            await writer.close()
            throw error
        }
        await writer.close()
    }

    @Test func rollbackActionsRunForTheFailedWritesOnlyAndNeverAfterACommit() async throws {
        try await Self.withWriter { writer in
            let undone = Recorder()
            // Bounded: 60 writes, every fifth fails after registering its action.
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        _ = try? await writer.write { context in
                            try context.connection.run("INSERT INTO items (name) VALUES (?)", [.text("n\(index)")])
                            context.onRollback { undone.append(Int64(index)) }
                            if index % 5 == 0 { throw AppBaseError.badRequest("rolled back") }
                        }
                    }
                }
            }
            #expect(undone.values.sorted() == stride(from: 0, to: 60, by: 5).map(Int64.init))
        }
    }

    @Test func aFailedCommitRunsTheRollbackActionsOfEveryWriteInIt() async throws {
        try await Self.withWriter { writer in
            let undone = Recorder()
            await #expect(throws: SQLiteError.self) {
                try await writer.write { context in
                    let number = Int64(context.transaction)
                    context.onRollback { undone.append(number) }
                    // Passes its savepoint; the deferred key fails the COMMIT.
                    try context.connection.run("INSERT INTO child (item) VALUES (999)")
                }
            }
            let failed = try #require(undone.values.first)
            #expect(undone.values.count == 1)
            // The writer goes on, in a transaction with a new number.
            let next = try await writer.write { context -> Int in
                try context.connection.run("INSERT INTO items (name) VALUES ('after')")
                return context.transaction
            }
            #expect(Int64(next) > failed)
            #expect(undone.values.count == 1)
        }
    }

    @Test func writesInOneGroupCommitShareATransactionNumber() async throws {
        try await Self.withWriter { writer in
            let before = writer.commitCount
            let numbers = await withTaskGroup(of: Int?.self, returning: [Int].self) { group in
                for index in 0..<100 {
                    group.addTask {
                        try? await writer.write { context -> Int in
                            try context.connection.run("INSERT INTO items (name) VALUES (?)", [.text("n\(index)")])
                            return context.transaction
                        }
                    }
                }
                var all: [Int] = []
                for await number in group { if let number { all.append(number) } }
                return all
            }
            #expect(numbers.count == 100)
            #expect(Set(numbers).count == writer.commitCount - before)
        }
    }

    @Test func beforeCommitWorkRunsOncePerTransactionAndItsFailureRollsEveryWriteBack() async throws {
        try await Self.withWriter { writer in
            let inserter = BatchInserter()
            let commitsBefore = writer.commitCount
            // Bounded: 50 writes sharing few group commits; every tenth rolls back in its savepoint.
            let committed = await withTaskGroup(of: Bool.self, returning: Int.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        do {
                            try await writer.write { context in
                                inserter.add("b\(index)", context)
                                if index % 10 == 0 { throw AppBaseError.badRequest("rolled back") }
                            }
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                var count = 0
                for await done in group where done { count += 1 }
                return count
            }
            #expect(committed == 45)
            let names = try await writer.withConnection { connection in
                try connection.query("SELECT name FROM items ORDER BY name") { $0.text(0) }
            }
            #expect(names == (0..<50).filter { $0 % 10 != 0 }.map { "b\($0)" }.sorted())
            #expect(inserter.runs == writer.commitCount - commitsBefore, "once per group commit, not per write")

            // Work that throws fails the whole transaction: its writes fail and leave nothing.
            inserter.failNextCommit()
            await #expect(throws: AppBaseError.self) {
                try await writer.write { context in
                    try context.connection.run("INSERT INTO items (name) VALUES ('direct')")
                    inserter.add("refused", context)
                }
            }
            let after = try await writer.withConnection { connection in
                try connection.queryOne("SELECT count(*) FROM items WHERE name IN ('direct', 'refused')") { $0.int64(0) }
            }
            #expect(after == 0)
            #expect(inserter.pending.isEmpty)
        }
    }
}

/// Registers its work once per transaction; counts the runs.
private final class BatchInserter: Sendable {
    private struct State {
        var runs = 0
        var pending: [String] = []
        var failNext = false
    }

    private let state = Mutex(State())

    var runs: Int { state.withLock { $0.runs } }
    var pending: [String] { state.withLock { $0.pending } }
    func failNextCommit() { state.withLock { $0.failNext = true } }

    func add(_ name: String, _ context: WriteContext) {
        let mark = state.withLock { state in
            defer { state.pending.append(name) }
            return state.pending.count
        }
        context.onRollback { [self] in
            state.withLock { if $0.pending.count > mark { $0.pending.removeSubrange(mark...) } }
        }
        context.beforeCommit(self) { [self] connection in
            let (names, fail) = state.withLock { state -> ([String], Bool) in
                defer { state.runs += 1; state.pending = []; state.failNext = false }
                return (state.pending, state.failNext)
            }
            if fail { throw AppBaseError.badRequest("refused before commit") }
            for name in names { try connection.run("INSERT INTO items (name) VALUES (?)", [.text(name)]) }
        }
    }
}
