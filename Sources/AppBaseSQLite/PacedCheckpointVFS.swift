import CSQLite
import Synchronization

/// A SQLite VFS that is the default `unix` VFS except for the main database file, whose writes are
/// synced every `PacedWrites.chunkBytes`: for the checkpointer's connection (ADR 0053).
///
/// A checkpoint pass copies up to thousands of pages into the database file and then syncs it
/// once. That sync flushed several MiB in one go, and a writer commit syncing the WAL at the same
/// moment waited behind it on the device (`strace`: the commit's `fdatasync` 29 ms beside the
/// checkpointer's 40 ms, against 0.4 ms otherwise). Syncing each 256 KiB as the pass copies it
/// bounds what a commit can find in the device's queue. Syncing more often than SQLite asks
/// never weakens durability; the WAL stays authoritative until the pass completes.
enum PacedCheckpointVFS {
    /// The name connections open it by (`sqlite3_open_v2`'s `zVfs`).
    static let name = "appbase-paced-checkpoint"

    /// Registers the VFS once per process (not as the default); false if that failed, in which
    /// case connections open through the default VFS.
    static let isRegistered: Bool = SQLiteVFSShim.register(name: name, open: pacedOpen)

    /// Syncs this VFS has added, process-wide (for tests and diagnostics).
    static var pacedSyncs: Int { pacedSyncCounter.load(ordering: .relaxed) }

    fileprivate static let pacedSyncCounter = Atomic<Int>(0)

    fileprivate static let databaseMethods = PermanentMethods(pointer: SQLiteVFSShim.permanent(pacedDatabaseMethods))
}

/// Bytes written to a database file since it was last synced. Used only by the connection that
/// owns the file, on its thread.
final class PacedWrites {
    /// Written bytes after which the file is synced before the next write returns.
    static let chunkBytes = 256 * 1024
    var unsynced = 0
}

/// Wraps main database files only.
private let pacedOpen: SQLiteVFSShim.Open = { _, name, file, flags, outFlags in
    SQLiteVFSShim.open(name, file, flags, outFlags, wrapping: SQLITE_OPEN_MAIN_DB, methods: PacedCheckpointVFS.databaseMethods,
                       state: { PacedWrites() })
}

/// The database file's methods: the forwarding ones, except that a write that takes the unsynced
/// bytes to `chunkBytes` is followed by a sync (`SQLITE_SYNC_NORMAL`, an `fdatasync`).
private let pacedDatabaseMethods: sqlite3_io_methods = {
    var methods = SQLiteVFSShim.forwarding
    methods.xWrite = { file, bytes, amount, offset in
        guard let file else { return SQLITE_IOERR }
        let result = SQLiteVFSShim.forwarding.xWrite?(file, bytes, amount, offset) ?? SQLITE_IOERR
        guard result == SQLITE_OK else { return result }
        let paced = SQLiteVFSShim.state(file, as: PacedWrites.self)
        paced.unsynced += Int(amount)
        guard paced.unsynced >= PacedWrites.chunkBytes else { return SQLITE_OK }
        paced.unsynced = 0
        PacedCheckpointVFS.pacedSyncCounter.add(1, ordering: .relaxed)
        return SQLiteVFSShim.forwarding.xSync?(file, SQLITE_SYNC_NORMAL) ?? SQLITE_IOERR
    }
    methods.xSync = { file, flags in
        guard let file else { return SQLITE_IOERR }
        SQLiteVFSShim.state(file, as: PacedWrites.self).unsynced = 0
        return SQLiteVFSShim.forwarding.xSync?(file, flags) ?? SQLITE_IOERR
    }
    return methods
}()
