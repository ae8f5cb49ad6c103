import CSQLite

/// A prepared statement owned by one connection's cache.
///
/// Use it inside `SQLiteConnection.withStatement`, which resets it and clears its bindings on
/// every path, so a statement never leaks state into the next use.
public final class SQLiteStatement {
    let handle: OpaquePointer
    public let sql: String

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds `value` to parameter `index` (1-based).
    public func bind(_ value: SQLiteValue, at index: Int32) {
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case .integer(let integer): sqlite3_bind_int64(handle, index, integer)
        case .real(let real): sqlite3_bind_double(handle, index, real)
        case .text(let text):
            var copy = text
            copy.withUTF8 { bytes in bindText(UnsafeRawBufferPointer(bytes), at: index) }
        case .blob(let bytes):
            bytes.withUnsafeBytes { raw in
                _ = sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), SQLiteStatement.transient)
            }
        }
    }

    /// Binds UTF-8 bytes as TEXT (avoids building a String for JSON bodies).
    public func bindText(bytes: [UInt8], at index: Int32) {
        bytes.withUnsafeBytes { bindText($0, at: index) }
    }

    /// `copying: false` binds `SQLITE_STATIC` (see `bindTextWithoutCopy`); the empty text is
    /// always a copy of a literal.
    private func bindText(_ raw: UnsafeRawBufferPointer, at index: Int32, copying: Bool = true) {
        if let base = raw.baseAddress, raw.count > 0 {
            sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(raw.count),
                              copying ? SQLiteStatement.transient : nil)
        } else {
            sqlite3_bind_text(handle, index, "", 0, SQLiteStatement.transient)
        }
    }

    /// Binds the UTF-8 text at `bytes` to parameter `index` without SQLite copying it
    /// (`SQLITE_STATIC`): for many texts bound from one buffer, where a copy would cost each a
    /// `malloc`. SQLite keeps the pointer until the parameter is bound again or the bindings are
    /// cleared (`reset()` and `SQLiteConnection.withStatement` clear them): the caller keeps the
    /// memory alive and unchanged until then — in practice, binds and steps inside one
    /// `withUnsafeBytes` of a `withStatement` body.
    public func bindTextWithoutCopy(_ bytes: UnsafeRawBufferPointer, at index: Int32) {
        bindText(bytes, at: index, copying: false)
    }

    /// Binds values to parameters 1...n.
    public func bind(_ values: [SQLiteValue]) {
        for (offset, value) in values.enumerated() { bind(value, at: Int32(offset + 1)) }
    }

    /// Advances; true when a row is available.
    public func step() throws(SQLiteError) -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let database = sqlite3_db_handle(handle)
            throw SQLiteError(code: sqlite3_extended_errcode(database), message: String(cString: sqlite3_errmsg(database)), sql: sql)
        }
    }

    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns of the current row

    public var columnCount: Int32 { sqlite3_column_count(handle) }
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// Calls `body` with the column's UTF-8 bytes as SQLite holds them (empty for NULL), valid
    /// only inside `body`: no copy for a caller that only inspects or appends them.
    public func withText<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try body(unsafeText(column))
    }

    /// The column's UTF-8 bytes as SQLite holds them (empty for NULL), without a copy, for a
    /// caller that reads several columns of a row at once. SQLite's rule for
    /// `sqlite3_column_text` bounds their life: valid until the statement steps, resets or is
    /// finalized, or this column is read as another type — use them before any of those.
    public func unsafeText(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        // text before bytes: SQLite's documented order for a value it may have to convert.
        let pointer = sqlite3_column_text(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count)
    }

    /// Appends the column's text bytes to `buffer` without building a String.
    public func appendText(_ column: Int32, to buffer: inout [UInt8]) {
        guard let pointer = sqlite3_column_text(handle, column) else { return }
        let count = Int(sqlite3_column_bytes(handle, column))
        buffer.append(contentsOf: UnsafeBufferPointer(start: pointer, count: count))
    }

    public func blob(_ column: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The column as a value of its stored type.
    public func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(double(column))
        case SQLITE_TEXT: return .text(text(column))
        case SQLITE_BLOB: return .blob(blob(column))
        default: return .null
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies bound bytes before the bind call returns.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
