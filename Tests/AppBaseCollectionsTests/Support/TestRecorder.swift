import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import Synchronization

/// Stands in for the change feed: appends a row to a minimal `change_log` (so sequences and
/// `X-Change-Seq` behave as in production) and remembers committed changes.
final class TestRecorder: ChangeRecorder {
    static let migrations = [Migration(version: 1, name: "test change log", sql: """
        CREATE TABLE change_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, action TEXT NOT NULL);
        """)]

    private let committed = Mutex<[(seq: Int64, change: RecordChange)]>([])

    func record(_ change: RecordChange, in context: WriteContext) throws -> Int64 {
        try context.connection.run("INSERT INTO change_log (collection, action) VALUES (?, ?)",
                                   [.text(change.collection), .text(change.action.rawValue)])
        let seq = context.connection.lastInsertRowID
        context.afterCommit { [self] in committed.withLock { $0.append((seq, change)) } }
        return seq
    }

    /// Committed changes, in commit order.
    var changes: [RecordChange] { committed.withLock { $0.map(\.change) } }
    var lastSequence: Int64 { committed.withLock { $0.last?.seq ?? 0 } }
}
