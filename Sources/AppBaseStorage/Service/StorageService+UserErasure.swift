import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite

/// Deleting every file a user owns, when an admin deletes the user with `records=delete` (ADR 0027).
extension StorageService: UserDataEraser {
    /// Files deleted per writer transaction: other writes wait at most one batch.
    static let erasureBatch = 100

    /// Deletes the files whose owner is `userID` in every bucket, every version, in batches: each
    /// batch's rows go in one transaction (the usage triggers follow), then their blobs are unlinked
    /// and a `file.delete` audit event per file is published for `actor` — the order of a normal delete.
    /// - Throws: SQLite errors; batches committed before stay deleted.
    public func eraseData(ownedBy userID: String, actor: AuditActor, requestID: String?) async throws -> Int {
        let batch = Self.erasureBatch
        var deleted = 0
        while true {
            let outcomes = try await environment.writer.write { write -> [FileWrites.Outcome] in
                let targets = try write.connection.query(
                    "SELECT id, bucket FROM storage_files WHERE owner_id = ? LIMIT ?",
                    [.text(userID), .integer(Int64(batch))]) { (id: $0.text(0), bucket: $0.text(1)) }
                return try targets.map { target in
                    try FileWrites.deleteFile(target.id, bucket: target.bucket, in: write.connection) { _, _ in }
                }
            }
            await discard(blobs: outcomes.flatMap(\.removedBlobs))
            for outcome in outcomes { await auditFile("file.delete", outcome.file, actor: actor, requestID: requestID) }
            deleted += outcomes.count
            if outcomes.count < batch { return deleted }
        }
    }
}
