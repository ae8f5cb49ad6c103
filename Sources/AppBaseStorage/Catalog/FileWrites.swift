import AppBaseCore
import AppBaseSQLite
import AppBaseHTTP

/// Metadata writes. Each runs inside `DatabaseWriter.write`, so a file, its versions, the usage
/// counters and the quota check that reads them commit together: two uploads racing for the
/// last bytes of a quota are serialised here, and the second one fails.
enum FileWrites {
    /// What a committed write changed: the file as it now is, and blobs whose rows are gone
    /// (to unlink only after the commit).
    struct Outcome: Sendable {
        var file: StoredFile
        var removedBlobs: [String]
    }

    /// The byte limits a write must respect.
    struct Quota: Sendable {
        var appBytes: Int64?
        var userBytes: Int64?
    }

    /// Re-checks, inside the committing transaction, what was checked against a bucket read before
    /// the bytes streamed in: an admin may have created, changed or deleted the bucket meanwhile.
    static func recheck(_ bucket: Bucket, _ version: FileVersion, settings: StorageSettings) throws {
        guard version.size <= bucket.effectiveMaxFileBytes(settings) else {
            throw AppBaseError.payloadTooLarge(limit: Int(clamping: bucket.effectiveMaxFileBytes(settings)))
        }
        guard bucket.allows(essence: MediaType.essence(version.contentType)) else {
            throw StorageErrors.unsupportedMediaType("This bucket does not accept \(MediaType.essence(version.contentType)).")
        }
    }

    /// Inserts a new file at version 1, creating its bucket on first upload. `authorize` sees the
    /// bucket as it is inside this transaction (its `create` rule).
    static func createFile(id: String, bucket: String, name: String, owner: String?, version: FileVersion,
                           quota: Quota, settings: StorageSettings, in connection: SQLiteConnection,
                           authorize: (Bucket) throws -> Void) throws -> Outcome {
        let bucketRow = try BucketCatalog.ensure(bucket, now: version.createdAt, in: connection)
        try authorize(bucketRow)
        try recheck(bucketRow, version, settings: settings)
        try checkQuota(adding: version.size, by: version.ownerID, quota, in: connection)
        try connection.run("""
            INSERT INTO storage_files (id, bucket, name, owner_id, created_at, updated_at, current_version)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(bucket), .text(name), owner.map(SQLiteValue.text) ?? .null,
                  .integer(version.createdAt), .integer(version.createdAt), .integer(version.version)])
        try insert(version, fileID: id, in: connection)
        let file = StoredFile(id: id, bucket: bucket, name: name, ownerID: owner, createdAt: version.createdAt,
                              currentVersion: version.version, version: version)
        return Outcome(file: file, removedBlobs: [])
    }

    /// Adds the next version of an existing file (a new upload or a restore) and prunes the
    /// oldest beyond the bucket's limit. `version.version` is ignored: the number is assigned here.
    /// `authorize` sees the file and bucket as they are inside this transaction (the `update` rule).
    /// - Throws: 404 when the file was deleted meanwhile; 413 `quota_exceeded`; what `authorize` throws.
    static func addVersion(fileID: String, bucket: String, rename: String?, version: FileVersion, quota: Quota,
                           settings: StorageSettings, in connection: SQLiteConnection,
                           authorize: (StoredFile, Bucket) throws -> Void) throws -> Outcome {
        guard let current = try FileCatalog.file(fileID, bucket: bucket, in: connection),
              let bucketRow = try BucketCatalog.bucket(named: bucket, in: connection) else {
            throw AppBaseError.notFound("File not found.")
        }
        try authorize(current, bucketRow)
        try recheck(bucketRow, version, settings: settings)
        try checkQuota(adding: version.size, by: version.ownerID, quota, in: connection)
        var added = version
        added.version = current.currentVersion + 1
        try insert(added, fileID: fileID, in: connection)
        let name = rename ?? current.name
        try connection.run("UPDATE storage_files SET current_version = ?, updated_at = ?, name = ? WHERE id = ?",
                           [.integer(added.version), .integer(added.createdAt), .text(name), .text(fileID)])
        let keep = Int64(max(1, bucketRow.effectiveVersionsKept(settings)))
        let removed = try removeVersions(of: fileID, upTo: added.version - keep, in: connection)
        var file = current
        file.name = name
        file.currentVersion = added.version
        file.version = added
        return Outcome(file: file, removedBlobs: removed)
    }

    /// Deletes a file and every version after `authorize` accepts it; returns the blobs to unlink.
    /// - Throws: 404 when there is no such file; what `authorize` throws.
    static func deleteFile(_ id: String, bucket: String, in connection: SQLiteConnection,
                           authorize: (StoredFile, Bucket) throws -> Void) throws -> Outcome {
        guard let file = try FileCatalog.file(id, bucket: bucket, in: connection),
              let bucketRow = try BucketCatalog.bucket(named: bucket, in: connection) else {
            throw AppBaseError.notFound("File not found.")
        }
        try authorize(file, bucketRow)
        let removed = try removeVersions(of: id, upTo: Int64.max, in: connection)
        try connection.run("DELETE FROM storage_files WHERE id = ?", [.text(id)])
        return Outcome(file: file, removedBlobs: removed)
    }

    /// 413 `quota_exceeded` unless `size` more bytes fit the app's and the uploader's quota.
    /// Usage equal to the quota is allowed; one byte over is not.
    static func checkQuota(adding size: Int64, by user: String?, _ quota: Quota, in connection: SQLiteConnection) throws {
        guard quota.appBytes != nil || (quota.userBytes != nil && user != nil) else { return }
        let usage = try FileCatalog.usage(user: user, in: connection)
        if let limit = quota.appBytes, usage.app + size > limit {
            throw StorageErrors.quotaExceeded(scope: "app", limit: limit)
        }
        if let limit = quota.userBytes, user != nil, usage.user + size > limit {
            throw StorageErrors.quotaExceeded(scope: "user", limit: limit)
        }
    }

    private static func insert(_ version: FileVersion, fileID: String, in connection: SQLiteConnection) throws {
        try connection.run("""
            INSERT INTO storage_file_versions (file_id, version, blob_id, size, sha256, content_type, owner_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(fileID), .integer(version.version), .text(version.blobID), .integer(version.size),
                  .text(version.sha256), .text(version.contentType), version.ownerID.map(SQLiteValue.text) ?? .null,
                  .integer(version.createdAt)])
    }

    /// Deletes the versions of `fileIDs` (in `bucket`) beyond the bucket's current limit, as it is
    /// inside this transaction; returns their blobs. Files deleted meanwhile are skipped.
    static func trimVersions(of fileIDs: [String], bucket: String, settings: StorageSettings,
                             in connection: SQLiteConnection) throws -> [String] {
        guard let bucketRow = try BucketCatalog.bucket(named: bucket, in: connection) else { return [] }
        let keep = Int64(max(1, bucketRow.effectiveVersionsKept(settings)))
        var blobs: [String] = []
        for id in fileIDs {
            guard let current = try connection.queryOne("SELECT current_version FROM storage_files WHERE id = ? AND bucket = ?",
                                                        [.text(id), .text(bucket)], row: { $0.int64(0) }) else { continue }
            blobs += try removeVersions(of: id, upTo: current - keep, in: connection)
        }
        return blobs
    }

    /// Deletes versions numbered up to `last`; returns their blobs.
    private static func removeVersions(of fileID: String, upTo last: Int64, in connection: SQLiteConnection) throws -> [String] {
        guard last >= 1 else { return [] }
        let blobs = try connection.query(
            "SELECT blob_id FROM storage_file_versions WHERE file_id = ? AND version <= ?",
            [.text(fileID), .integer(last)]) { $0.text(0) }
        if !blobs.isEmpty {
            try connection.run("DELETE FROM storage_file_versions WHERE file_id = ? AND version <= ?",
                               [.text(fileID), .integer(last)])
        }
        return blobs
    }
}
