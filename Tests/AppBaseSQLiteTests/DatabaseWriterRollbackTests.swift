import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
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
}
