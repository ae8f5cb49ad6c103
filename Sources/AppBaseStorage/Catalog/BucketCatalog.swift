import AppBaseCore
import AppBaseSQLite

/// Bucket rows. Reads take a reader connection; writes run inside `DatabaseWriter.write`.
enum BucketCatalog {
    private static let columns =
        "name, rules, max_file_bytes, allowed_types, versions_kept, created_at, updated_at, url_generation"

    static func bucket(named name: String, in connection: SQLiteConnection) throws -> Bucket? {
        try connection.queryOne("SELECT \(columns) FROM storage_buckets WHERE name = ?", [.text(name)], row: decode)
    }

    static func all(in connection: SQLiteConnection) throws -> [Bucket] {
        try connection.query("SELECT \(columns) FROM storage_buckets ORDER BY name", row: decode)
    }

    /// The bucket, created with the default rules if this is its first upload.
    static func ensure(_ name: String, now: Int64, in connection: SQLiteConnection) throws -> Bucket {
        if let existing = try bucket(named: name, in: connection) { return existing }
        let bucket = Bucket.implicit(name, now: now)
        try insert(bucket, in: connection)
        return bucket
    }

    /// Inserts a new bucket. - Throws: 409 `conflict` when the name is taken.
    static func insert(_ bucket: Bucket, in connection: SQLiteConnection) throws {
        do {
            try connection.run("""
                INSERT INTO storage_buckets (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, values(bucket))
        } catch let error as SQLiteError where error.isConstraintViolation {
            throw AppBaseError(status: 409, code: .conflict, message: "Bucket \(bucket.name) already exists.")
        }
    }

    static func update(_ bucket: Bucket, in connection: SQLiteConnection) throws {
        var bindings = values(bucket)
        bindings.append(bindings.removeFirst())
        try connection.run("""
            UPDATE storage_buckets SET rules = ?, max_file_bytes = ?, allowed_types = ?, versions_kept = ?,
                created_at = ?, updated_at = ?, url_generation = ? WHERE name = ?
            """, bindings)
    }

    /// Deletes a bucket with all its files and versions; returns the blobs to unlink after the
    /// commit, or nil when there was no such bucket.
    static func delete(_ name: String, in connection: SQLiteConnection) throws -> [String]? {
        guard try bucket(named: name, in: connection) != nil else { return nil }
        let blobs = try connection.query("""
            SELECT v.blob_id FROM storage_file_versions v JOIN storage_files f ON f.id = v.file_id WHERE f.bucket = ?
            """, [.text(name)]) { $0.text(0) }
        try connection.run("""
            DELETE FROM storage_file_versions WHERE file_id IN (SELECT id FROM storage_files WHERE bucket = ?)
            """, [.text(name)])
        try connection.run("DELETE FROM storage_files WHERE bucket = ?", [.text(name)])
        try connection.run("DELETE FROM storage_buckets WHERE name = ?", [.text(name)])
        return blobs
    }

    private static func values(_ bucket: Bucket) -> [SQLiteValue] {
        [
            .text(bucket.name), .text(Bucket.rulesJSON(bucket.rules).jsonText),
            bucket.maxFileBytes.map(SQLiteValue.integer) ?? .null,
            Bucket.allowedTypesColumn(bucket.allowedTypes).map(SQLiteValue.text) ?? .null,
            bucket.versionsKept.map { .integer(Int64($0)) } ?? .null,
            .integer(bucket.createdAt), .integer(bucket.updatedAt), .integer(bucket.urlGeneration),
        ]
    }

    private static func decode(_ row: SQLiteStatement) -> Bucket {
        Bucket(
            name: row.text(0), rules: Bucket.rules(fromColumn: row.text(1)),
            maxFileBytes: row.isNull(2) ? nil : row.int64(2),
            allowedTypes: Bucket.allowedTypes(fromColumn: row.optionalText(3)),
            versionsKept: row.isNull(4) ? nil : Int(row.int64(4)),
            createdAt: row.int64(5), updatedAt: row.int64(6), urlGeneration: row.int64(7))
    }
}
