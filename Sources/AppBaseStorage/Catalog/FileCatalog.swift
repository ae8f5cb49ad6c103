import AppBaseCore
import AppBaseSQLite

/// File and version reads; each runs on whichever connection it is given (a reader, or the
/// writer inside a transaction).
enum FileCatalog {
    /// Up to `limit` files of `bucket` that keep more than `keep` versions (after an admin lowered
    /// the bucket's limit), in id order after `after`. One index probe per file of the bucket.
    static func filesOverVersionLimit(bucket: String, keep: Int64, after: String, limit: Int,
                                      in connection: SQLiteConnection) throws -> [String] {
        try connection.query("""
            SELECT f.id FROM storage_files f
            WHERE f.bucket = ? AND f.id > ? AND EXISTS (
                SELECT 1 FROM storage_file_versions v WHERE v.file_id = f.id AND v.version <= f.current_version - ?)
            ORDER BY f.id LIMIT ?
            """, [.text(bucket), .text(after), .integer(keep), .integer(Int64(limit))]) { $0.text(0) }
    }

    private static let fileColumns = """
        f.id, f.bucket, f.name, f.owner_id, f.created_at, f.current_version,
        v.version, v.blob_id, v.size, v.sha256, v.content_type, v.owner_id, v.created_at
        """

    /// The file with its current version, or with `version` when given; nil when either is missing.
    static func file(_ id: String, bucket: String, version: Int64? = nil, in connection: SQLiteConnection) throws -> StoredFile? {
        try connection.queryOne("""
            SELECT \(fileColumns) FROM storage_files f
            JOIN storage_file_versions v ON v.file_id = f.id AND v.version = COALESCE(?, f.current_version)
            WHERE f.id = ? AND f.bucket = ?
            """, [version.map(SQLiteValue.integer) ?? .null, .text(id), .text(bucket)], row: decodeFile)
    }

    /// Every kept version of a file, newest first.
    static func versions(of fileID: String, in connection: SQLiteConnection) throws -> [FileVersion] {
        try connection.query("""
            SELECT version, blob_id, size, sha256, content_type, owner_id, created_at
            FROM storage_file_versions WHERE file_id = ? ORDER BY version DESC
            """, [.text(fileID)]) { decodeVersion($0, from: 0) }
    }

    /// One page of a bucket's files (current versions) in (name, id) order.
    /// - Parameters:
    ///   - prefix: only names starting with these bytes.
    ///   - owner: only files of this owner (the `owner` read rule for a non-admin).
    ///   - after: the keyset cursor (the last item of the previous page).
    static func list(bucket: String, prefix: String, owner: String?, after: ListCursor?, limit: Int,
                     in connection: SQLiteConnection) throws -> [StoredFile] {
        var sql = """
            SELECT \(fileColumns) FROM storage_files f
            JOIN storage_file_versions v ON v.file_id = f.id AND v.version = f.current_version
            WHERE f.bucket = ?1
            """
        let upper = prefixUpperBound(prefix)
        if !prefix.isEmpty { sql += " AND f.name >= ?2" }
        if upper != nil { sql += " AND f.name < ?3" }
        if owner != nil { sql += " AND f.owner_id = ?4" }
        if after != nil { sql += " AND (f.name, f.id) > (?5, ?6)" }
        sql += " ORDER BY f.name, f.id LIMIT ?7"
        return try connection.withStatement(sql) { statement in
            statement.bind(.text(bucket), at: 1)
            if !prefix.isEmpty { statement.bind(.text(prefix), at: 2) }
            if let upper { statement.bindText(bytes: upper, at: 3) }
            if let owner { statement.bind(.text(owner), at: 4) }
            if let after {
                statement.bind(.text(after.name), at: 5)
                statement.bind(.text(after.id), at: 6)
            }
            statement.bind(.integer(Int64(limit)), at: 7)
            var files: [StoredFile] = []
            while try statement.step() { files.append(decodeFile(statement)) }
            return files
        }
    }

    /// Bytes in use by the app and (when given) one user.
    static func usage(user: String?, in connection: SQLiteConnection) throws -> (app: Int64, user: Int64) {
        let app = try connection.queryOne("SELECT bytes FROM storage_usage WHERE scope = 'app'") { $0.int64(0) } ?? 0
        guard let user else { return (app, 0) }
        let mine = try connection.queryOne("SELECT bytes FROM storage_usage WHERE scope = ?", [.text("user:" + user)]) {
            $0.int64(0)
        } ?? 0
        return (app, mine)
    }

    /// Which of `candidates` (blob ids found on disk) have a version row.
    static func referencedBlobs(among candidates: Set<String>, in connection: SQLiteConnection) throws -> Set<String> {
        var referenced = Set<String>()
        try connection.withStatement("SELECT blob_id FROM storage_file_versions") { statement in
            while try statement.step() {
                let id = statement.text(0)
                if candidates.contains(id) { referenced.insert(id) }
            }
        }
        return referenced
    }

    /// The smallest byte string greater than every string starting with `prefix` (BINARY
    /// collation compares bytes): the prefix with its last byte incremented. UTF-8 text never
    /// contains 0xFF, so the increment cannot overflow; nil for an empty prefix.
    static func prefixUpperBound(_ prefix: String) -> [UInt8]? {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last, last == 0xFF { bytes.removeLast() }
        guard let last = bytes.last else { return nil }
        bytes[bytes.count - 1] = last + 1
        return bytes
    }

    static func decodeFile(_ row: SQLiteStatement) -> StoredFile {
        StoredFile(id: row.text(0), bucket: row.text(1), name: row.text(2), ownerID: row.optionalText(3),
                   createdAt: row.int64(4), currentVersion: row.int64(5), version: decodeVersion(row, from: 6))
    }

    static func decodeVersion(_ row: SQLiteStatement, from column: Int32) -> FileVersion {
        FileVersion(version: row.int64(column), blobID: row.text(column + 1), size: row.int64(column + 2),
                    sha256: row.text(column + 3), contentType: row.text(column + 4),
                    ownerID: row.optionalText(column + 5), createdAt: row.int64(column + 6))
    }
}
