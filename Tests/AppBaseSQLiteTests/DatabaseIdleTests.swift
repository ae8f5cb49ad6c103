import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Testing

/// The writer's and readers' threads end when idle and start again on demand; the writer keeps
/// its one connection, the readers reopen theirs, and the inline connection never needs a thread.
@Suite struct DatabaseIdleTests {
    static func insert(_ writer: DatabaseWriter, _ name: String) async throws {
        try await writer.write { context in
            _ = try context.connection.run("INSERT INTO items (name) VALUES (?)", [.text(name)])
        }
    }

    static func count(_ readers: DatabaseReaders) async throws -> Int {
        try await readers.read { connection in
            try connection.queryOne("SELECT count(*) FROM items") { Int($0.int64(0)) } ?? -1
        }
    }

    @Test func writesAndReadsAfterTheThreadsWentIdle() async throws {
        try await DatabaseWriterTests.withDatabase(idleTimeout: .milliseconds(30)) { writer, readers, _ in
            try await Self.insert(writer, "before")
            #expect(try await Self.count(readers) == 1)
            #expect(await eventually(timeout: .seconds(10)) { !writer.hasThread && readers.runningThreads == 0 })

            // Both start again: the write commits on the same connection, the read reopens.
            try await Self.insert(writer, "after")
            #expect(try await Self.count(readers) == 2)
            #expect(try await Self.count(readers) == 2)
            let commits = writer.commitCount
            #expect(commits == 2)
            #expect(await eventually(timeout: .seconds(10)) { !writer.hasThread && readers.runningThreads == 0 })
        }
    }

    @Test func inlineReadsNeedNoThread() async throws {
        try await DatabaseWriterTests.withDatabase(idleTimeout: .milliseconds(30)) { writer, readers, _ in
            try await Self.insert(writer, "one")
            #expect(await eventually(timeout: .seconds(10)) { !writer.hasThread })
            let found = try readers.readInline { connection in
                try connection.queryOne("SELECT name FROM items") { $0.text(0) }
            }
            #expect(found == .some("one"))
            #expect(readers.runningThreads == 0)
        }
    }

    @Test func closeStopsIdleAndRunningThreadsAndLaterWorkFails() async throws {
        var captured: (DatabaseWriter, DatabaseReaders)?
        try await DatabaseWriterTests.withDatabase(idleTimeout: .seconds(60)) { writer, readers, _ in
            try await Self.insert(writer, "one")
            #expect(try await Self.count(readers) == 1)
            #expect(writer.hasThread)
            captured = (writer, readers)
        }
        let (writer, readers) = try #require(captured)
        #expect(!writer.hasThread)
        #expect(readers.runningThreads == 0)
        await #expect(throws: (any Error).self) { try await Self.insert(writer, "two") }
        await #expect(throws: (any Error).self) { try await Self.count(readers) }
    }
}
