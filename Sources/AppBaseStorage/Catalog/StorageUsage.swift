import AppBaseCore
import AppBaseSQLite

/// What storage holds, counted from the catalog: per bucket, per owner and in all. Bytes include
/// every stored version (what the disk holds), not only the current ones.
///
/// Read on a reader connection in one transaction, so the three views agree. The queries scan
/// `storage_files` and `storage_file_versions` once each: an admin view, not a request path.
public struct StorageUsage: Sendable, Hashable {
    /// One bucket's files, versions and bytes.
    public struct BucketUsage: Sendable, Hashable {
        public var bucket: String
        public var files: Int64
        public var versions: Int64
        public var bytes: Int64
    }

    /// One owner's files and the bytes of all their versions (nil owner: files made with an admin key).
    public struct OwnerUsage: Sendable, Hashable {
        public var userID: String?
        public var files: Int64
        public var bytes: Int64
    }

    /// Every bucket, empty ones included, in name order.
    public var buckets: [BucketUsage]
    /// Every owner with at least one file, most bytes first.
    public var users: [OwnerUsage]
    /// Files in all buckets.
    public var files: Int64
    /// Versions in all buckets.
    public var versions: Int64
    /// Bytes of every version.
    public var bytes: Int64

    /// Counts everything on `connection`.
    static func read(on connection: SQLiteConnection) throws -> StorageUsage {
        try connection.transaction {
            let buckets = try connection.query("""
                SELECT b.name,
                       (SELECT count(*) FROM storage_files f WHERE f.bucket = b.name),
                       (SELECT count(*) FROM storage_files f JOIN storage_file_versions v ON v.file_id = f.id WHERE f.bucket = b.name),
                       (SELECT coalesce(sum(v.size), 0) FROM storage_files f JOIN storage_file_versions v ON v.file_id = f.id
                        WHERE f.bucket = b.name)
                FROM storage_buckets b ORDER BY b.name
                """) { BucketUsage(bucket: $0.text(0), files: $0.int64(1), versions: $0.int64(2), bytes: $0.int64(3)) }
            let users = try connection.query("""
                SELECT f.owner_id, count(DISTINCT f.id), coalesce(sum(v.size), 0)
                FROM storage_files f LEFT JOIN storage_file_versions v ON v.file_id = f.id
                GROUP BY f.owner_id ORDER BY 3 DESC, 1
                """) { OwnerUsage(userID: $0.isNull(0) ? nil : $0.text(0), files: $0.int64(1), bytes: $0.int64(2)) }
            return StorageUsage(buckets: buckets, users: users, files: buckets.reduce(0) { $0 + $1.files },
                                versions: buckets.reduce(0) { $0 + $1.versions }, bytes: buckets.reduce(0) { $0 + $1.bytes })
        }
    }

    /// `{"buckets":[{bucket,files,versions,bytes}], "users":[{userId,files,bytes}], "total":{files,versions,bytes}}`.
    public func json() -> JSONValue {
        [
            "buckets": .array(buckets.map {
                ["bucket": .string($0.bucket), "files": .int($0.files), "versions": .int($0.versions), "bytes": .int($0.bytes)]
            }),
            "users": .array(users.map {
                ["userId": $0.userID.map(JSONValue.string) ?? .null, "files": .int($0.files), "bytes": .int($0.bytes)]
            }),
            "total": ["files": .int(files), "versions": .int(versions), "bytes": .int(bytes)],
        ]
    }
}
