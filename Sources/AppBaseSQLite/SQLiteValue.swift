/// A value bound to, or read from, a SQLite statement.
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A SQLite failure with its result code; mapped to an HTTP error at the service boundary.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code.
    public let code: Int32
    public let message: String
    /// The SQL that failed (never contains bound values, so never secrets).
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// Primary result code (low byte).
    public var primaryCode: Int32 { code & 0xFF }
    public var isConstraintViolation: Bool { primaryCode == 19 }
    public var isBusy: Bool { primaryCode == 5 || primaryCode == 6 }
    /// The statement was stopped by the progress handler (work budget).
    public var isInterrupted: Bool { primaryCode == 9 }

    public var description: String { "SQLite error \(code): \(message)" + (sql.map { " in \($0)" } ?? "") }
}
