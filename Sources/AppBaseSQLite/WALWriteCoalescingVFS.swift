import CSQLite

/// A SQLite VFS that is the default `unix` VFS except for WAL files: a WAL file's contiguous
/// writes are gathered in memory and reach the file as one write when SQLite syncs it (or reads,
/// sizes, truncates or closes it, or writes elsewhere in it) — ADR 0052.
///
/// SQLite writes each WAL frame as two `pwrite`s, its 24-byte header and its page; a group commit
/// of ~26 record creates wrote ~89 of them (~44 frames) before its `fdatasync`. One `pwrite` of the
/// whole run moves the same bytes with one system call and one pass over each page-cache page.
///
/// Safe only where every commit syncs the WAL (`PRAGMA synchronous = FULL` or `EXTRA`): SQLite
/// publishes a commit to other connections (the wal-index header) after that sync, so readers,
/// which open the files through the plain VFS, never look past what is in the file. With
/// `NORMAL` a commit issues no sync and buffered frames could be published before they are
/// written; `DatabaseWriter` therefore opens through this VFS only when the connection syncs
/// every commit. The connection that owns the buffer sees its own writes: it flushes before it
/// reads or sizes the file.
enum WALWriteCoalescingVFS {
    /// The name connections open it by (`sqlite3_open_v2`'s `zVfs`).
    static let name = "appbase-wal-coalescing"

    /// Registers the VFS once per process (not as the default); false if that failed, in which
    /// case connections open through the default VFS.
    static let isRegistered: Bool = SQLiteVFSShim.register(name: name, open: coalescingOpen)

    fileprivate static let walMethods = PermanentMethods(pointer: SQLiteVFSShim.permanent(coalescingWALMethods))
}

/// The bytes of one WAL file written but not yet passed on: one contiguous run starting at
/// `offset`. Used only by the connection that owns the file, on its thread.
final class WALWriteBuffer {
    /// Flushed when a write would grow it beyond this; a larger single write goes straight through.
    /// The unix VFS writes at most 128 KiB − 1 bytes per `xWrite` call (its `seekAndWrite` masks the
    /// count with `0x1ffff`, and a longer write comes back short as `SQLITE_FULL`): 31 WAL frames.
    static let capacity = 0x1ffff
    private var storage: UnsafeMutableRawPointer?
    /// The file offset of the first buffered byte.
    private(set) var offset: Int64 = 0
    private(set) var count = 0

    deinit { storage?.deallocate() }

    /// Appends `amount` bytes meant for `at` if they continue the run and fit; false otherwise.
    func append(_ bytes: UnsafeRawPointer, _ amount: Int, at position: Int64) -> Bool {
        if count == 0 { offset = position }
        guard position == offset + Int64(count), count + amount <= Self.capacity else { return false }
        let base = storage ?? {
            let made = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity, alignment: 16)
            storage = made
            return made
        }()
        (base + count).copyMemory(from: bytes, byteCount: amount)
        count += amount
        return true
    }

    /// Passes the run to `file` in one write and empties the buffer, also when the write fails
    /// (SQLite then fails the transaction and later writes those frames again from its own state).
    func flush(to file: UnsafeMutablePointer<sqlite3_file>) -> Int32 {
        guard count > 0, let storage else { return SQLITE_OK }
        let amount = count
        count = 0
        return file.pointee.pMethods.pointee.xWrite?(file, storage, Int32(amount), offset) ?? SQLITE_IOERR
    }
}

/// Flushes `file`'s buffer to the file object inside; SQLite's result code.
private func flushed(_ file: UnsafeMutablePointer<sqlite3_file>) -> Int32 {
    SQLiteVFSShim.state(file, as: WALWriteBuffer.self).flush(to: SQLiteVFSShim.inner(file))
}

/// Flushes `file`'s buffer, then runs `operation` (a forwarding method; nil when the default
/// file has no such method) unless the flush failed.
private func flushed(_ file: UnsafeMutablePointer<sqlite3_file>, then operation: () -> Int32?) -> Int32 {
    let result = flushed(file)
    guard result == SQLITE_OK else { return result }
    return operation() ?? SQLITE_IOERR
}

/// Wraps WAL files only.
private let coalescingOpen: SQLiteVFSShim.Open = { _, name, file, flags, outFlags in
    SQLiteVFSShim.open(name, file, flags, outFlags, wrapping: SQLITE_OPEN_WAL, methods: WALWriteCoalescingVFS.walMethods,
                       state: { WALWriteBuffer() })
}

/// The WAL file's methods: writes gather in the buffer; every other operation that could observe
/// or move the file's contents flushes first; the rest are the forwarding ones. Version 1: SQLite
/// uses no shared-memory or memory-mapping method on a WAL file.
private let coalescingWALMethods: sqlite3_io_methods = {
    var methods = SQLiteVFSShim.forwarding
    methods.iVersion = 1
    (methods.xShmMap, methods.xShmLock, methods.xShmBarrier, methods.xShmUnmap, methods.xFetch, methods.xUnfetch) =
        (nil, nil, nil, nil, nil, nil)
    methods.xWrite = { file, bytes, amount, offset in
        guard let file, let bytes, amount >= 0 else { return SQLITE_IOERR }
        let buffer = SQLiteVFSShim.state(file, as: WALWriteBuffer.self)
        if buffer.append(bytes, Int(amount), at: offset) { return SQLITE_OK }
        let result = flushed(file)
        guard result == SQLITE_OK else { return result }
        if buffer.append(bytes, Int(amount), at: offset) { return SQLITE_OK }
        return SQLiteVFSShim.forwarding.xWrite?(file, bytes, amount, offset) ?? SQLITE_IOERR
    }
    methods.xClose = { file in
        guard let file else { return SQLITE_OK }
        let flushResult = flushed(file)
        let closeResult = SQLiteVFSShim.closeWrapped(file)
        return flushResult != SQLITE_OK ? flushResult : closeResult
    }
    // Flush, then forward: each returns the flush's error if it failed.
    methods.xRead = { file, bytes, amount, offset in
        guard let file else { return SQLITE_IOERR }
        return flushed(file, then: { SQLiteVFSShim.forwarding.xRead?(file, bytes, amount, offset) })
    }
    methods.xTruncate = { file, size in
        guard let file else { return SQLITE_IOERR }
        return flushed(file, then: { SQLiteVFSShim.forwarding.xTruncate?(file, size) })
    }
    methods.xSync = { file, flags in
        guard let file else { return SQLITE_IOERR }
        return flushed(file, then: { SQLiteVFSShim.forwarding.xSync?(file, flags) })
    }
    methods.xFileSize = { file, size in
        guard let file else { return SQLITE_IOERR }
        return flushed(file, then: { SQLiteVFSShim.forwarding.xFileSize?(file, size) })
    }
    methods.xFileControl = { file, operation, argument in
        guard let file else { return SQLITE_NOTFOUND }
        return flushed(file, then: { SQLiteVFSShim.forwarding.xFileControl?(file, operation, argument) })
    }
    return methods
}()
