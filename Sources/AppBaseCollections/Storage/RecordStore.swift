import AppBaseCore
import AppBaseSQLite

/// SQL for single records. Every statement text is constant, so each is prepared once per
/// connection and reused from its statement cache.
enum RecordStore {
    private static let selectOne = "SELECT \(RecordJSON.columns) FROM records WHERE collection = ? AND id = ?"

    /// The record `id` of `collection`, or nil.
    static func fetch(_ collection: String, _ id: String, _ connection: SQLiteConnection) throws -> StoredRecord? {
        try connection.queryOne(selectOne, [.text(collection), .text(id)]) { StoredRecord(row: $0) }
    }

    /// Runs `body` on the statement positioned on the record's row (bytes stay in SQLite's
    /// buffers until `body` copies them); nil when there is no such record.
    static func withRow<T>(_ collection: String, _ id: String, _ connection: SQLiteConnection,
                           _ body: (SQLiteStatement) throws -> T) throws -> T? {
        try connection.withStatement(selectOne) { statement in
            statement.bind(.text(collection), at: 1)
            statement.bind(.text(id), at: 2)
            return try statement.step() ? try body(statement) : nil
        }
    }

    /// Inserts a new record.
    /// - Throws: 409 `conflict` when a unique index of the collection already holds its values.
    static func insert(_ record: StoredRecord, into collection: String, _ connection: SQLiteConnection) throws {
        try mappingConstraint {
            try connection.withStatement("""
                INSERT INTO records (collection, id, owner_id, created_at, updated_at, version, data)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """) { statement in
                statement.bind([.text(collection), .text(record.id), record.ownerID.map(SQLiteValue.text) ?? .null,
                                .text(record.createdAt), .text(record.updatedAt), .integer(record.version)])
                statement.bindText(bytes: record.data, at: 7)
                while try statement.step() {}
            }
        }
    }

    /// Replaces a record's data, bumping its version.
    static func replace(_ record: StoredRecord, in collection: String, _ connection: SQLiteConnection) throws {
        try mappingConstraint {
            try connection.withStatement(
                "UPDATE records SET data = ?, updated_at = ?, version = ? WHERE collection = ? AND id = ?"
            ) { statement in
                statement.bindText(bytes: record.data, at: 1)
                statement.bind(.text(record.updatedAt), at: 2)
                statement.bind(.integer(record.version), at: 3)
                statement.bind(.text(collection), at: 4)
                statement.bind(.text(record.id), at: 5)
                while try statement.step() {}
            }
        }
    }

    /// Merges `patch` (RFC 7396, with SQLite's `json_patch`) into a record's data, bumping its
    /// version; returns the merged data text.
    static func merge(_ patch: [UInt8], into id: String, of collection: String, updatedAt: String, version: Int64,
                      _ connection: SQLiteConnection) throws -> [UInt8] {
        try mappingConstraint {
            try connection.withStatement("""
                UPDATE records SET data = json_patch(data, ?), updated_at = ?, version = ?
                WHERE collection = ? AND id = ? RETURNING data
                """) { statement in
                statement.bindText(bytes: patch, at: 1)
                statement.bind(.text(updatedAt), at: 2)
                statement.bind(.integer(version), at: 3)
                statement.bind(.text(collection), at: 4)
                statement.bind(.text(id), at: 5)
                var data: [UInt8] = []
                if try statement.step() { statement.appendText(0, to: &data) }
                while try statement.step() {}
                return data
            }
        }
    }

    /// Deletes a record.
    static func delete(_ id: String, from collection: String, _ connection: SQLiteConnection) throws {
        try connection.run("DELETE FROM records WHERE collection = ? AND id = ?", [.text(collection), .text(id)])
    }

    /// The change log's newest sequence (0 when empty), read inside the caller's transaction.
    /// The change feed never prunes its newest row, so this is exact.
    static func changeSequence(_ connection: SQLiteConnection) throws -> Int64 {
        try connection.queryOne("SELECT max(seq) FROM change_log") { $0.isNull(0) ? 0 : $0.int64(0) } ?? 0
    }

    private static func mappingConstraint<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError where error.isConstraintViolation {
            throw AppBaseError(status: 409, code: .conflict,
                               message: "Another record of this collection has the same values for a unique index.",
                               cause: error.description)
        }
    }
}
