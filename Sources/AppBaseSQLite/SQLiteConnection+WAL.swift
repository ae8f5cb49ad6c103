import CSQLite

/// How much of the WAL a checkpoint copies back into the database file, and what it waits for.
public enum CheckpointMode: Sendable {
    /// Copies what it can without waiting for readers or the writer (`SQLITE_CHECKPOINT_PASSIVE`).
    case passive
    /// Waits for the writer and readers, copies every frame and empties the WAL file
    /// (`SQLITE_CHECKPOINT_TRUNCATE`).
    case truncate

    var sqliteMode: Int32 { self == .passive ? SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_TRUNCATE }
}

/// What a connection does after a commit, given the size of the WAL (`SQLiteConnection.onWALCommit`).
public enum WALCommitAction: Sendable {
    /// Leave the WAL as it is.
    case nothing
    /// Checkpoint passively now, on the committing thread (SQLite's automatic checkpoint does this).
    case checkpoint
}

/// The decision `onWALCommit` installs, kept alive by the connection while SQLite points at it.
final class WALCommitHook {
    let decide: (_ walFrames: Int) -> WALCommitAction

    init(_ decide: @escaping (_ walFrames: Int) -> WALCommitAction) { self.decide = decide }
}

extension SQLiteConnection {
    /// Checkpoints the main database (`sqlite3_wal_checkpoint_v2`).
    /// - Returns: the frames in the WAL and how many of them are now in the database file (both 0
    ///   when the database is not in WAL mode).
    /// - Throws: `SQLITE_BUSY` when another connection is checkpointing (or, for `.truncate`,
    ///   when the writer or a reader did not finish within the busy timeout), or an I/O error.
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode) throws(SQLiteError) -> (walFrames: Int, copied: Int) {
        var walFrames: Int32 = 0
        var copied: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(handle, nil, mode.sqliteMode, &walFrames, &copied)
        guard result == SQLITE_OK else {
            throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(handle)), sql: nil)
        }
        return (Int(max(0, walFrames)), Int(max(0, copied)))
    }

    /// Calls `decide` on this connection's thread after each of its commits, with the number of
    /// frames then in the WAL, and checkpoints passively when it answers `.checkpoint`.
    ///
    /// This replaces SQLite's automatic checkpoint (`PRAGMA wal_autocheckpoint`, which is this
    /// same hook with a fixed threshold): from now on only `decide` starts checkpoints on this
    /// connection. A checkpoint failing here (another connection checkpointing: `SQLITE_BUSY`)
    /// leaves the commit committed; the next commit decides again.
    public func onWALCommit(_ decide: @escaping (_ walFrames: Int) -> WALCommitAction) {
        let hook = WALCommitHook(decide)
        walCommitHook = hook
        sqlite3_wal_hook(handle, { context, database, name, frames in
            guard let context else { return SQLITE_OK }
            let hook = Unmanaged<WALCommitHook>.fromOpaque(context).takeUnretainedValue()
            if hook.decide(Int(frames)) == .checkpoint {
                _ = sqlite3_wal_checkpoint_v2(database, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(hook).toOpaque())
    }
}
