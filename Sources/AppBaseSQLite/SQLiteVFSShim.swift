import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// What AppBase's VFS shims share (ADR 0052): each is SQLite's default (`unix`) VFS under another
/// name, except that some of the files it opens get methods of the shim's own, which keep a
/// state object and forward to the default VFS's file object.
///
/// Layout of the file object SQLite allocates (`szOsFile` bytes) for a wrapped file: SQLite's
/// `sqlite3_file` header (the shim's methods), a retained pointer to the shim's state, then the
/// default VFS's own file object. A file a shim does not wrap is the default VFS's file object
/// at offset 0 with the default methods, so it costs nothing.
enum SQLiteVFSShim {
    typealias Open = @convention(c) (UnsafeMutablePointer<sqlite3_vfs>?, sqlite3_filename?,
                                     UnsafeMutablePointer<sqlite3_file>?, Int32, UnsafeMutablePointer<Int32>?) -> Int32

    private static let stateOffset = MemoryLayout<sqlite3_file>.stride
    private static let headerSize = stateOffset + MemoryLayout<UnsafeMutableRawPointer>.stride

    /// Registers `name` (not as the default) as the default VFS with `open` for `xOpen`; false if
    /// there is no default VFS or registration fails. Call once per name: SQLite keeps pointers to
    /// what this allocates until the process ends, so it is never freed.
    static func register(name: String, open: Open) -> Bool {
        guard let underlying = DefaultVFS.shared?.pointer else { return false }
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        // Every member but the name, the file size and `xOpen` is the default VFS's own: the unix
        // VFS's other functions read nothing from the `sqlite3_vfs` they are given that differs.
        var copy = underlying.pointee
        copy.pNext = nil
        copy.szOsFile = Int32(headerSize) + underlying.pointee.szOsFile
        copy.zName = UnsafePointer(strdup(name))
        copy.xOpen = open
        vfs.initialize(to: copy)
        return sqlite3_vfs_register(vfs, 0) == SQLITE_OK
    }

    /// Opens `file` through the default VFS: wrapped with `methods` and a new state when its open
    /// flags include `kind` (`SQLITE_OPEN_WAL`, `SQLITE_OPEN_MAIN_DB`), else as it is.
    static func open(_ name: sqlite3_filename?, _ file: UnsafeMutablePointer<sqlite3_file>?, _ flags: Int32,
                     _ outFlags: UnsafeMutablePointer<Int32>?, wrapping kind: Int32, methods: PermanentMethods,
                     state: () -> AnyObject) -> Int32 {
        guard let file else { return SQLITE_CANTOPEN }
        guard flags & kind != 0 else { return openPlain(name, file, flags, outFlags) }
        return openWrapped(name, file, flags, outFlags, methods: methods.pointer, state: state())
    }

    /// Opens `file` through the default VFS as it is (not wrapped).
    static func openPlain(_ name: sqlite3_filename?, _ file: UnsafeMutablePointer<sqlite3_file>, _ flags: Int32,
                          _ outFlags: UnsafeMutablePointer<Int32>?) -> Int32 {
        guard let underlying = DefaultVFS.shared?.pointer, let open = underlying.pointee.xOpen else { return SQLITE_CANTOPEN }
        return open(underlying, name, file, flags, outFlags)
    }

    /// Opens `file` through the default VFS, wrapped: `methods` and a retained `state`, which
    /// `closeWrapped` releases.
    static func openWrapped(_ name: sqlite3_filename?, _ file: UnsafeMutablePointer<sqlite3_file>, _ flags: Int32,
                            _ outFlags: UnsafeMutablePointer<Int32>?, methods: UnsafePointer<sqlite3_io_methods>,
                            state: AnyObject) -> Int32 {
        guard let underlying = DefaultVFS.shared?.pointer, let open = underlying.pointee.xOpen else { return SQLITE_CANTOPEN }
        let inner = Self.inner(file)
        file.pointee.pMethods = nil
        let result = open(underlying, name, inner, flags, outFlags)
        guard result == SQLITE_OK, inner.pointee.pMethods != nil else {
            // SQLite closes only a file whose methods are set; close what the default VFS opened.
            if inner.pointee.pMethods != nil { _ = inner.pointee.pMethods.pointee.xClose?(inner) }
            return result == SQLITE_OK ? SQLITE_CANTOPEN : result
        }
        let retained = Unmanaged.passRetained(state).toOpaque()
        (UnsafeMutableRawPointer(file) + stateOffset).storeBytes(of: retained, as: UnsafeMutableRawPointer.self)
        file.pointee.pMethods = methods
        return SQLITE_OK
    }

    /// Closes a wrapped file's default file object and releases its state.
    static func closeWrapped(_ file: UnsafeMutablePointer<sqlite3_file>) -> Int32 {
        let result = methods(file).xClose?(inner(file)) ?? SQLITE_IOERR
        let opaque = (UnsafeMutableRawPointer(file) + stateOffset).load(as: UnsafeMutableRawPointer.self)
        Unmanaged<AnyObject>.fromOpaque(opaque).release()
        file.pointee.pMethods = nil
        return result
    }

    /// The default VFS's file object inside a wrapped file.
    static func inner(_ file: UnsafeMutablePointer<sqlite3_file>) -> UnsafeMutablePointer<sqlite3_file> {
        (UnsafeMutableRawPointer(file) + headerSize).assumingMemoryBound(to: sqlite3_file.self)
    }

    /// A wrapped file's state (as given to `openWrapped`).
    static func state<State: AnyObject>(_ file: UnsafeMutablePointer<sqlite3_file>, as type: State.Type) -> State {
        let opaque = (UnsafeMutableRawPointer(file) + stateOffset).load(as: UnsafeMutableRawPointer.self)
        return Unmanaged<State>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// The default methods of a wrapped file's inner file object.
    static func methods(_ file: UnsafeMutablePointer<sqlite3_file>) -> sqlite3_io_methods {
        inner(file).pointee.pMethods.pointee
    }

    /// Makes `methods` a process-lifetime pointer SQLite can keep.
    static func permanent(_ methods: sqlite3_io_methods) -> UnsafePointer<sqlite3_io_methods> {
        let pointer = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        pointer.initialize(to: methods)
        return UnsafePointer(pointer)
    }
}

/// SQLite's default VFS, found once.
///
/// `@unchecked Sendable`: SQLite's VFS objects live until the process ends and the pointer is
/// only read (by the shims' C callbacks, which cannot capture context).
struct DefaultVFS: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<sqlite3_vfs>

    static let shared: DefaultVFS? = sqlite3_vfs_find(nil).map(DefaultVFS.init(pointer:))
}

/// A process-lifetime `sqlite3_io_methods` (see `SQLiteVFSShim.permanent`).
///
/// `@unchecked Sendable`: written once before it is published, then only read by SQLite.
struct PermanentMethods: @unchecked Sendable {
    let pointer: UnsafePointer<sqlite3_io_methods>
}
