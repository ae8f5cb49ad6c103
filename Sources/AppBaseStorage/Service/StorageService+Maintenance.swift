import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite

/// Periodic upkeep, run as jobs of the app's queue (the platform registers them; this module knows
/// nothing of the queue). Both are idempotent.
extension StorageService {
    /// How often the platform runs `trimExcessVersions()` and `sweepStaleTemporaryFiles()`.
    public static let maintenanceIntervalSeconds: Int64 = 3_600
    /// A temp file untouched this long belongs to no upload in progress: uploads write as bytes
    /// arrive, and request deadlines end a stalled one long before.
    public static let staleTemporaryFileSeconds: Int64 = 3_600
    /// Files trimmed per write transaction.
    static let trimBatch = 100

    /// Deletes the versions beyond each bucket's `versionsKept` (uploads trim as they add a
    /// version; this catches files of a bucket whose limit an admin lowered). Finds candidates on
    /// a reader and writes only when there are some. Returns how many files were trimmed.
    /// - Throws: SQLite errors.
    @discardableResult
    public func trimExcessVersions() async throws -> Int {
        let settings = self.settings
        let buckets = try await environment.readers.read { try BucketCatalog.all(in: $0) }
        var trimmed = 0
        for bucket in buckets {
            let keep = Int64(max(1, bucket.effectiveVersionsKept(settings)))
            var after = ""
            while true {
                let name = bucket.name, from = after
                let files = try await environment.readers.read {
                    try FileCatalog.filesOverVersionLimit(bucket: name, keep: keep, after: from, limit: Self.trimBatch, in: $0)
                }
                guard let last = files.last else { break }
                let blobs = try await environment.writer.write { context in
                    try FileWrites.trimVersions(of: files, bucket: name, settings: settings, in: context.connection)
                }
                await discard(blobs: blobs)
                trimmed += files.count
                after = last
                if files.count < Self.trimBatch { break }
            }
        }
        return trimmed
    }

    /// Removes upload temp files no upload is writing (crash leftovers, failed cleanups) without
    /// waiting for a restart. Returns how many.
    /// - Throws: a file-system error listing `tmp/`.
    @discardableResult
    public func sweepStaleTemporaryFiles() async throws -> Int {
        try await store.removeTemporaryFiles(modifiedBefore: now - Self.staleTemporaryFileSeconds * 1000)
    }
}
