import CSQLite
#if canImport(Glibc)
import Glibc
#endif

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

    /// Registers the VFS once per process (not as the default); false if the default VFS is
    /// missing, in which case connections open through the default VFS.
    static let isRegistered: Bool = CoalescingRegistration.shared != nil
}

/// The process-wide VFS objects, made once and never freed: SQLite keeps pointers to them for
/// as long as any connection uses the VFS, which is until the process ends.
///
/// `@unchecked Sendable`: the pointers are written once, before `shared` is published (a Swift
/// `static let` initialises exactly once, thread-safely), and only read afterwards — by SQLite
/// and by the C callbacks below, which cannot capture context.
private struct CoalescingRegistration: @unchecked Sendable {
    let underlying: UnsafeMutablePointer<sqlite3_vfs>
    let walMethods: UnsafeMutablePointer<sqlite3_io_methods>

    static let shared: CoalescingRegistration? = {
        guard let underlying = sqlite3_vfs_find(nil) else { return nil }
        let methods = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        methods.initialize(to: coalescingWALMethods)
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        // Every member but the name, the file size and `xOpen` is the default VFS's own: the unix
        // VFS's other functions read nothing from the `sqlite3_vfs` they are given that differs.
        var copy = underlying.pointee
        copy.pNext = nil
        copy.szOsFile = Int32(CoalescingFileLayout.headerSize) + underlying.pointee.szOsFile
        copy.zName = UnsafePointer(strdup(WALWriteCoalescingVFS.name))
        copy.xOpen = coalescingOpen
        vfs.initialize(to: copy)
        let registration = CoalescingRegistration(underlying: underlying, walMethods: methods)
        // Published before registering: `coalescingOpen` reads it on the first open.
        guard sqlite3_vfs_register(vfs, 0) == SQLITE_OK else { return nil }
        return registration
    }()
}

/// Where things live in the file object SQLite allocates (`szOsFile` bytes) for a WAL file:
/// SQLite's `sqlite3_file` header (our methods), a pointer to the `WALWriteBuffer`, then the
/// default VFS's own file object. Any other file is the default VFS's file object at offset 0
/// with the default methods, so it costs nothing.
private enum CoalescingFileLayout {
    static let bufferOffset = MemoryLayout<sqlite3_file>.stride
    static let headerSize = bufferOffset + MemoryLayout<UnsafeMutableRawPointer>.stride

    /// The default VFS's file object inside a WAL file's object.
    static func underlying(_ file: UnsafeMutablePointer<sqlite3_file>) -> UnsafeMutablePointer<sqlite3_file> {
        (UnsafeMutableRawPointer(file) + headerSize).assumingMemoryBound(to: sqlite3_file.self)
    }

    static func buffer(_ file: UnsafeMutablePointer<sqlite3_file>) -> WALWriteBuffer {
        let opaque = (UnsafeMutableRawPointer(file) + bufferOffset).load(as: UnsafeMutableRawPointer.self)
        return Unmanaged<WALWriteBuffer>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// The default methods of the file object inside (set by the default VFS's `xOpen`).
    static func methods(_ file: UnsafeMutablePointer<sqlite3_file>) -> sqlite3_io_methods {
        underlying(file).pointee.pMethods.pointee
    }
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
    CoalescingFileLayout.buffer(file).flush(to: CoalescingFileLayout.underlying(file))
}

private let coalescingOpen: @convention(c) (UnsafeMutablePointer<sqlite3_vfs>?, sqlite3_filename?,
                                             UnsafeMutablePointer<sqlite3_file>?, Int32,
                                             UnsafeMutablePointer<Int32>?) -> Int32 = { _, name, file, flags, outFlags in
    guard let registration = CoalescingRegistration.shared, let file,
          let open = registration.underlying.pointee.xOpen else { return SQLITE_CANTOPEN }
    guard flags & SQLITE_OPEN_WAL != 0 else {
        return open(registration.underlying, name, file, flags, outFlags)
    }
    let inner = CoalescingFileLayout.underlying(file)
    file.pointee.pMethods = nil
    let result = open(registration.underlying, name, inner, flags, outFlags)
    guard result == SQLITE_OK, inner.pointee.pMethods != nil else {
        // SQLite closes only a file whose methods are set; close what the default VFS opened.
        if inner.pointee.pMethods != nil { _ = inner.pointee.pMethods.pointee.xClose?(inner) }
        return result == SQLITE_OK ? SQLITE_CANTOPEN : result
    }
    let buffer = Unmanaged.passRetained(WALWriteBuffer()).toOpaque()
    (UnsafeMutableRawPointer(file) + CoalescingFileLayout.bufferOffset).storeBytes(of: buffer, as: UnsafeMutableRawPointer.self)
    file.pointee.pMethods = UnsafePointer(registration.walMethods)
    return SQLITE_OK
}

/// The WAL file's methods: writes gather in the buffer; every other operation that could observe
/// or move the file's contents flushes first; the rest go straight to the default methods.
/// Version 1: SQLite uses no shared-memory or memory-mapping method on a WAL file.
private let coalescingWALMethods = sqlite3_io_methods(
    iVersion: 1,
    xClose: { file in
        guard let file else { return SQLITE_OK }
        let flushResult = flushed(file)
        let inner = CoalescingFileLayout.underlying(file)
        let closeResult = CoalescingFileLayout.methods(file).xClose?(inner) ?? SQLITE_IOERR
        let opaque = (UnsafeMutableRawPointer(file) + CoalescingFileLayout.bufferOffset).load(as: UnsafeMutableRawPointer.self)
        Unmanaged<WALWriteBuffer>.fromOpaque(opaque).release()
        file.pointee.pMethods = nil
        return flushResult != SQLITE_OK ? flushResult : closeResult
    },
    xRead: { file, bytes, amount, offset in
        guard let file else { return SQLITE_IOERR }
        let result = flushed(file)
        guard result == SQLITE_OK else { return result }
        return CoalescingFileLayout.methods(file).xRead?(CoalescingFileLayout.underlying(file), bytes, amount, offset) ?? SQLITE_IOERR
    },
    xWrite: { file, bytes, amount, offset in
        guard let file, let bytes, amount >= 0 else { return SQLITE_IOERR }
        let buffer = CoalescingFileLayout.buffer(file)
        if buffer.append(bytes, Int(amount), at: offset) { return SQLITE_OK }
        let inner = CoalescingFileLayout.underlying(file)
        let result = buffer.flush(to: inner)
        guard result == SQLITE_OK else { return result }
        if buffer.append(bytes, Int(amount), at: offset) { return SQLITE_OK }
        return CoalescingFileLayout.methods(file).xWrite?(inner, bytes, amount, offset) ?? SQLITE_IOERR
    },
    xTruncate: { file, size in
        guard let file else { return SQLITE_IOERR }
        let result = flushed(file)
        guard result == SQLITE_OK else { return result }
        return CoalescingFileLayout.methods(file).xTruncate?(CoalescingFileLayout.underlying(file), size) ?? SQLITE_IOERR
    },
    xSync: { file, flags in
        guard let file else { return SQLITE_IOERR }
        let result = flushed(file)
        guard result == SQLITE_OK else { return result }
        return CoalescingFileLayout.methods(file).xSync?(CoalescingFileLayout.underlying(file), flags) ?? SQLITE_IOERR
    },
    xFileSize: { file, size in
        guard let file else { return SQLITE_IOERR }
        let result = flushed(file)
        guard result == SQLITE_OK else { return result }
        return CoalescingFileLayout.methods(file).xFileSize?(CoalescingFileLayout.underlying(file), size) ?? SQLITE_IOERR
    },
    xLock: { file, level in
        guard let file else { return SQLITE_IOERR }
        return CoalescingFileLayout.methods(file).xLock?(CoalescingFileLayout.underlying(file), level) ?? SQLITE_IOERR
    },
    xUnlock: { file, level in
        guard let file else { return SQLITE_IOERR }
        return CoalescingFileLayout.methods(file).xUnlock?(CoalescingFileLayout.underlying(file), level) ?? SQLITE_IOERR
    },
    xCheckReservedLock: { file, reserved in
        guard let file else { return SQLITE_IOERR }
        return CoalescingFileLayout.methods(file).xCheckReservedLock?(CoalescingFileLayout.underlying(file), reserved) ?? SQLITE_IOERR
    },
    xFileControl: { file, operation, argument in
        guard let file else { return SQLITE_NOTFOUND }
        let result = flushed(file)
        guard result == SQLITE_OK else { return result }
        return CoalescingFileLayout.methods(file).xFileControl?(CoalescingFileLayout.underlying(file), operation, argument) ?? SQLITE_NOTFOUND
    },
    xSectorSize: { file in
        guard let file else { return 4096 }
        return CoalescingFileLayout.methods(file).xSectorSize?(CoalescingFileLayout.underlying(file)) ?? 4096
    },
    xDeviceCharacteristics: { file in
        guard let file else { return 0 }
        return CoalescingFileLayout.methods(file).xDeviceCharacteristics?(CoalescingFileLayout.underlying(file)) ?? 0
    },
    xShmMap: nil, xShmLock: nil, xShmBarrier: nil, xShmUnmap: nil, xFetch: nil, xUnfetch: nil)
