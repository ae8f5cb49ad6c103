import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// One SQLite connection with its prepared-statement cache.
///
/// Not thread-safe by design: each connection is owned by exactly one writer or reader slot
/// and only used on that slot's thread (the cache is touched only there).
public final class SQLiteConnection {
    /// How the connection is opened.
    public enum Mode: Sendable {
        /// Read and write, creating the database (`0600`) when it does not exist.
        case readWrite
        /// Read only.
        case readOnly
        /// Read and write an existing database; opening fails when there is none.
        case readWriteExisting
    }

    /// Which VFS the connection opens through: SQLite's default, or one of AppBase's shims of it.
    public enum VFS: Sendable {
        case standard
        /// `WALWriteCoalescingVFS` (ADR 0052): one write per run of WAL frames. Only for a
        /// connection that syncs every commit (`synchronous = FULL`).
        case walWriteCoalescing
        /// `PacedCheckpointVFS` (ADR 0053): the database file is synced every 256 KiB written.
        case pacedCheckpoint

        /// The registered name, or nil for the default (also when registering failed).
        var registeredName: String? {
            switch self {
            case .standard: nil
            case .walWriteCoalescing: WALWriteCoalescingVFS.isRegistered ? WALWriteCoalescingVFS.name : nil
            case .pacedCheckpoint: PacedCheckpointVFS.isRegistered ? PacedCheckpointVFS.name : nil
            }
        }
    }

    let handle: OpaquePointer
    public let path: String
    private var cache: [String: SQLiteStatement] = [:]
    private let progress = ProgressBudget()
    /// Where this connection reports progress (`reportProgress(to:)`), if anywhere.
    var progressReporter: ConnectionProgress?
    /// What runs after each commit (`onWALCommit`); SQLite holds only an unretained pointer to it.
    var walCommitHook: WALCommitHook?

    /// Opens (creating if needed, unless read-only) the database at `path`. A database this
    /// creates is `0600`, and so are its `-wal`, `-shm` and journal files.
    public init(path: String, mode: Mode, vfs: VFS = .standard) throws(SQLiteError) {
        Self.configureProcess
        if mode == .readWrite { try Self.createOwnerOnly(path) }
        var database: OpaquePointer?
        let access = switch mode {
        case .readWrite: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: SQLITE_OPEN_READONLY
        case .readWriteExisting: SQLITE_OPEN_READWRITE
        }
        let flags = access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let result = sqlite3_open_v2(path, &database, flags, vfs.registeredName)
        guard result == SQLITE_OK, let database else {
            let message = database.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let database { sqlite3_close_v2(database) }
            throw SQLiteError(code: result, message: message, sql: nil)
        }
        handle = database
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, 5000)
    }

    /// Process-wide SQLite settings, applied once before the first connection opens (which
    /// initialises SQLite): no memory statistics, so SQLite's allocations take no global mutex
    /// (ADR 0004). A Swift `static let` runs its initialiser exactly once, whichever thread opens first.
    private static let configureProcess: Void = { _ = appbase_sqlite3_disable_memory_statistics() }()

    /// Creates `path` empty with mode `0600` unless it exists. SQLite would create it `0644`
    /// (less the umask), and it gives the `-wal`, `-shm` and journal files the database file's
    /// mode: creating the file first is what keeps all of them, and the secrets in them,
    /// readable by this user only. SQLite opens an empty file as an empty database.
    private static func createOwnerOnly(_ path: String) throws(SQLiteError) {
        // Not a file: an in-memory or URI name is SQLite's to interpret.
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
    }

    deinit {
        cache.removeAll()
        // SQLite holds only an unretained pointer to the hook, which goes with this object.
        if walCommitHook != nil { sqlite3_wal_hook(handle, nil, nil) }
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without results (schema, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(handle, sql, nil, nil, &message)
        guard result == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// How a transaction takes its locks.
    public enum TransactionKind: String, Sendable {
        /// `BEGIN`: reads see one consistent snapshot; the write lock is taken on the first write.
        case deferred = "BEGIN"
        /// `BEGIN IMMEDIATE`: the write lock is taken at once (writers, migrations).
        case immediate = "BEGIN IMMEDIATE"
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    ///
    /// `BEGIN` and `COMMIT` run as cached prepared statements: every read of a list page is one
    /// such transaction, and `sqlite3_exec` would compile each of them again. A cached statement's
    /// step count grows across uses, so call this outside `withWorkBudget` (whose handler would
    /// interrupt it); `ROLLBACK`, on the rare failure path, is compiled afresh so nothing stops it.
    public func transaction<T>(_ kind: TransactionKind = .deferred, _ body: () throws -> T) throws -> T {
        try run(kind.rawValue)
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` with the cached prepared statement for `sql`; resets it afterwards on every path.
    public func withStatement<T>(_ sql: String, _ body: (SQLiteStatement) throws -> T) throws -> T {
        let statement = try prepared(sql)
        defer { statement.reset() }
        return try body(statement)
    }

    /// Runs a statement with `bindings`; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> Int {
        try withStatement(sql) { statement in
            statement.bind(bindings)
            while try statement.step() {}
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs a query and maps each row.
    public func query<T>(_ sql: String, _ bindings: [SQLiteValue] = [], row: (SQLiteStatement) throws -> T) throws -> [T] {
        try withStatement(sql) { statement in
            statement.bind(bindings)
            var rows: [T] = []
            while try statement.step() { rows.append(try row(statement)) }
            return rows
        }
    }

    /// The first row mapped, or nil.
    public func queryOne<T>(_ sql: String, _ bindings: [SQLiteValue] = [], row: (SQLiteStatement) throws -> T) throws -> T? {
        try withStatement(sql) { statement in
            statement.bind(bindings)
            return try statement.step() ? try row(statement) : nil
        }
    }

    /// Rows inserted, updated or deleted on this connection since it opened.
    public var totalChanges: Int64 { sqlite3_total_changes64(handle) }

    /// The rowid of the last insert on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` with a budget of virtual-machine steps; beyond it the running statement is
    /// interrupted and fails with `SQLITE_INTERRUPT` (`SQLiteError.isInterrupted`).
    public func withWorkBudget<T>(steps: Int, _ body: () throws -> T) rethrows -> T {
        progress.remaining = max(1, steps / ProgressBudget.granularity)
        progress.reporter = progressReporter
        let context = Unmanaged.passUnretained(progress).toOpaque()
        sqlite3_progress_handler(handle, Int32(ProgressBudget.granularity), { context in
            guard let context else { return 0 }
            let budget = Unmanaged<ProgressBudget>.fromOpaque(context).takeUnretainedValue()
            budget.reporter?.tick()
            budget.remaining -= 1
            return budget.remaining < 0 ? 1 : 0
        }, context)
        defer { installProgressReporter() }
        return try body()
    }

    /// Whether every commit syncs (`PRAGMA synchronous` is FULL or EXTRA).
    public var syncsEveryCommit: Bool {
        get throws { try queryOne("PRAGMA synchronous") { $0.int64(0) } ?? 0 >= 2 }
    }

    /// The name of the VFS the main database was opened through (`unix`, `appbase-wal-coalescing`).
    public var vfsName: String? {
        var vfs: UnsafeMutablePointer<sqlite3_vfs>?
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) == SQLITE_OK,
              let name = vfs?.pointee.zName else { return nil }
        return String(cString: name)
    }

    /// `PRAGMA data_version`: changes when another connection commits.
    public func dataVersion() throws -> Int64 {
        try queryOne("PRAGMA data_version") { $0.int64(0) } ?? 0
    }

    /// Drops every cached statement (after schema changes that may invalidate plans).
    public func clearStatementCache() { cache.removeAll() }

    private func prepared(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = cache[sql] { return cached }
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        let wrapped = SQLiteStatement(handle: statement, sql: sql)
        if cache.count >= 256 { cache.removeAll() }
        cache[sql] = wrapped
        return wrapped
    }
}

/// The progress handler's counter; touched only on the connection's thread.
final class ProgressBudget {
    static let granularity = 1000
    var remaining = 0
    /// The connection's progress reporter, ticked by the budget's handler while it replaces
    /// the reporter's own.
    var reporter: ConnectionProgress?
}
