import AppBaseSQLite
import Synchronization
import Testing

/// Inline reads on the loop share one read transaction until the end of the loop's turn, and
/// never miss a write the writer has committed (ADR 0025).
@Suite struct InlineSnapshotSharingTests {
    /// Stands in for the loop: collects the end-of-turn work, run by `endTurn()`.
    final class FakeTurn: Sendable {
        private let pending = Mutex<[@Sendable () -> Void]>([])
        let onLoop = Atomic<Bool>(true)

        func schedule(_ end: @escaping @Sendable () -> Void) -> Bool {
            guard onLoop.load(ordering: .relaxed) else { return false }
            pending.withLock { $0.append(end) }
            return true
        }

        var scheduled: Int { pending.withLock { $0.count } }

        func endTurn() {
            for end in pending.withLock({ list in defer { list = [] }; return list }) { end() }
        }
    }

    /// A database whose inline reads share snapshots on a fake loop turn.
    static func withSharing(_ body: (DatabaseWriter, DatabaseReaders, String, FakeTurn) async throws -> Void) async throws {
        try await DatabaseWriterTests.withDatabase { writer, readers, path in
            let turn = FakeTurn()
            readers.shareInlineSnapshots(commits: { writer.commitCount }, endOfTurn: turn.schedule)
            try await body(writer, readers, path, turn)
            turn.endTurn()
        }
    }

    static func count(_ readers: DatabaseReaders) throws -> Int? {
        try readers.readInline(sharingSnapshot: true) { connection in
            try connection.queryOne("SELECT count(*) FROM items") { Int($0.int64(0)) } ?? -1
        }
    }

    /// A row written by another connection: the writer's commit count does not see it.
    static func insertBehindTheWritersBack(_ path: String, _ name: String) throws {
        let other = try SQLiteConnection(path: path, mode: .readWrite)
        _ = try other.run("INSERT INTO items (name) VALUES (?)", [.text(name)])
    }

    @Test func readsOfOneTurnShareASnapshotThatEndsWithTheTurn() async throws {
        try await Self.withSharing { writer, readers, path, turn in
            try await DatabaseIdleTests.insert(writer, "one")

            #expect(try Self.count(readers) == 1)
            #expect(readers.holdsInlineSnapshot)
            #expect(turn.scheduled == 1)
            // Another process's commit is not in the held snapshot until the turn ends...
            try Self.insertBehindTheWritersBack(path, "two")
            #expect(try Self.count(readers) == 1)
            #expect(turn.scheduled == 1, "one end per turn, however many reads")
            // ...and is seen by the first read of the next turn.
            turn.endTurn()
            #expect(!readers.holdsInlineSnapshot)
            #expect(try Self.count(readers) == 2)
            #expect(turn.scheduled == 1)
            turn.endTurn()
        }
    }

    @Test func aCommitOfTheWriterEndsTheHeldSnapshotAtOnce() async throws {
        try await Self.withSharing { writer, readers, _, turn in
            try await DatabaseIdleTests.insert(writer, "one")
            #expect(try Self.count(readers) == 1)
            // Acknowledged within the same turn: the next read must see it.
            try await DatabaseIdleTests.insert(writer, "two")
            #expect(try Self.count(readers) == 2)
            #expect(readers.holdsInlineSnapshot)
            #expect(turn.scheduled == 1, "the turn's end is scheduled once, also for a snapshot begun again")
            turn.endTurn()
            #expect(!readers.holdsInlineSnapshot)
        }
    }

    @Test func offTheLoopAndWithoutSharingNothingIsHeld() async throws {
        try await DatabaseWriterTests.withDatabase { writer, readers, path in
            let turn = FakeTurn()
            // Not configured: every read is its own transaction.
            #expect(try Self.count(readers) == 0)
            #expect(!readers.holdsInlineSnapshot)

            readers.shareInlineSnapshots(commits: { writer.commitCount }, endOfTurn: turn.schedule)
            turn.onLoop.store(false, ordering: .relaxed)
            #expect(try Self.count(readers) == 0)
            #expect(!readers.holdsInlineSnapshot, "nothing would end it")

            // A read that does not ask to share (the health probe) ends a held snapshot first.
            turn.onLoop.store(true, ordering: .relaxed)
            #expect(try Self.count(readers) == 0)
            #expect(readers.holdsInlineSnapshot)
            try Self.insertBehindTheWritersBack(path, "one")
            let fresh = try readers.readInline { connection in
                try connection.queryOne("SELECT count(*) FROM items") { Int($0.int64(0)) } ?? -1
            }
            #expect(fresh == 1)
            #expect(!readers.holdsInlineSnapshot)
            turn.endTurn()
        }
    }

    @Test func aFailedReadEndsTheSnapshot() async throws {
        try await Self.withSharing { _, readers, _, _ in
            #expect(throws: SQLiteError.self) {
                try readers.readInline(sharingSnapshot: true) { connection in
                    try connection.queryOne("SELECT nope FROM items") { $0.int64(0) }
                }
            }
            #expect(!readers.holdsInlineSnapshot)
            let count = try Self.count(readers)
            #expect(count == 0)
        }
    }
}
