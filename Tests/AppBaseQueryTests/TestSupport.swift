import AppBaseTestSupport
import AppBaseCore
import CSQLite

@testable import AppBaseQuery
import OrderedCollections

/// Draws for the randomized query tests (seeded, so every run generates the same records and filters).
extension SeededGenerator {
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &self)] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}

struct SQLiteTestError: Error, CustomStringConvertible {
    var description: String
}

/// A minimal wrapper over an in-memory SQLite database, through the C API.
final class InMemoryDatabase {
    private let handle: OpaquePointer

    init() throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        guard rc == SQLITE_OK, let db else { throw SQLiteTestError(description: "open failed: \(rc)") }
        handle = db
    }

    deinit { sqlite3_close_v2(handle) }

    /// Creates the `records` table with the server's schema.
    func createRecordsTable() throws {
        _ = try query("""
            CREATE TABLE records(collection TEXT, id TEXT, owner_id TEXT, created_at TEXT,
                                 updated_at TEXT, version INTEGER, data TEXT)
            """)
    }

    /// Inserts a full record object (system fields as members) the way the server stores it.
    func insert(record: JSONValue, collection: String = "items") throws {
        guard case .object(let members) = record else { throw SQLiteTestError(description: "not an object") }
        var system: [SQLValue] = []
        for field in SystemField.allCases {
            switch members[field.rawValue] ?? .null {
            case .string(let text): system.append(.text(text))
            case .int(let number): system.append(.int(number))
            default: system.append(.null)
            }
        }
        // `data` is the record without its system fields, as the serializer writes it.
        let dataMembers = members.filter { SystemField(rawValue: $0.key) == nil }
        let data = "{" + dataMembers.map { JSONValue.string($0.key).jsonText + ":" + $0.value.jsonText }.joined(separator: ",") + "}"
        _ = try query(
            "INSERT INTO records(collection, id, owner_id, created_at, updated_at, version, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(collection)] + system + [.text(data)])
    }

    /// Runs `sql` with `bindings` and returns every row.
    @discardableResult
    func query(_ sql: String, _ bindings: [SQLValue] = []) throws -> [[SQLValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw SQLiteTestError(description: "prepare failed: \(String(cString: sqlite3_errmsg(handle))) in \(sql)")
        }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .int(let number): rc = sqlite3_bind_int64(statement, index, number)
            case .double(let number): rc = sqlite3_bind_double(statement, index, number)
            case .text(let text):
                // Explicit byte length so embedded NULs are bound too; never a NULL pointer (that binds NULL).
                let bytes = Array(text.utf8) + [0]
                rc = bytes.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        guard let base = chars.baseAddress else { return SQLITE_MISUSE }
                        return sqlite3_bind_text(statement, index, base, Int32(chars.count - 1), transient)
                    }
                }
            }
            guard rc == SQLITE_OK else { throw SQLiteTestError(description: "bind failed: \(rc)") }
        }
        var rows: [[SQLValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw SQLiteTestError(description: "step failed: \(String(cString: sqlite3_errmsg(handle))) in \(sql)")
            }
            var row: [SQLValue] = []
            for column in 0..<sqlite3_column_count(statement) {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: row.append(.double(sqlite3_column_double(statement, column)))
                case SQLITE_NULL: row.append(.null)
                default:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    if let pointer = sqlite3_column_text(statement, column) {
                        row.append(.text(String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)))
                    } else {
                        row.append(.text(""))
                    }
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// The ids of the records matching `fragment`, in `orderBy` order (or by id).
    func ids(where fragment: SQLFragment, orderBy: String = "id", limit: Int? = nil) throws -> [String] {
        let limitClause = limit.map { " LIMIT \($0)" } ?? ""
        return try query("SELECT id FROM records WHERE \(fragment.sql) ORDER BY \(orderBy)\(limitClause)", fragment.bindings)
            .map { row in
                guard case .text(let id) = row[0] else { return "" }
                return id
            }
    }
}

/// Builds a full record object from system fields and data members.
func makeRecord(
    id: String, ownerId: String? = "u1", createdAt: String = "2024-01-01T00:00:00.000Z",
    updatedAt: String = "2024-01-01T00:00:00.000Z", version: Int64 = 1, data: JSONValue = [:]
) -> JSONValue {
    guard case .object(var members) = data else { return data }
    let system: [(String, JSONValue)] = [
        ("id", .string(id)), ("ownerId", ownerId.map(JSONValue.string) ?? .null),
        ("createdAt", .string(createdAt)), ("updatedAt", .string(updatedAt)), ("version", .int(version)),
    ]
    for (key, value) in system { members[key] = value }
    return .object(members)
}

/// Parses `text`, returning the error (or `nil` when it parses).
func filterError(_ text: String, limits: FilterLimits = .init()) -> FilterError? {
    do {
        _ = try Filter.parse(text, limits: limits)
        return nil
    } catch {
        return error
    }
}
