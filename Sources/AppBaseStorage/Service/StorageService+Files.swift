import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// Metadata reads and deletion: list, versions, delete.
extension StorageService {
    /// `GET /storage/buckets/:bucket?prefix=&limit=&cursor=` → `{items, nextCursor}`, in name
    /// order. Under the `owner` read rule a user sees only their own files. A bucket that does
    /// not exist yet lists as empty, with the default rules.
    func list(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let bucketName = try StorageRequest.bucket(context)
        let prefix = request.queryValue("prefix") ?? ""
        guard prefix.utf8.count <= FileNameValidator.maxBytes else {
            throw AppBaseError.validation("prefix is longer than \(FileNameValidator.maxBytes) bytes.", field: "prefix")
        }
        let limit = try pageLimit(request.queryValue("limit"))
        let cursor = try request.queryValue("cursor").map { text throws(AppBaseError) in try ListCursor(decoding: text) }
        let identity = context.identity
        let page = try await environment.readers.read { connection -> [StoredFile] in
            let rules = try BucketCatalog.bucket(named: bucketName, in: connection)?.rules ?? .defaults
            try StorageAccess.requireBucket(identity, rules.read)
            return try FileCatalog.list(bucket: bucketName, prefix: prefix,
                                        owner: StorageAccess.listOwnerFilter(identity, rules), after: cursor,
                                        limit: limit + 1, in: connection)
        }
        let items = page.prefix(limit)
        let next: JSONValue = page.count > limit
            ? items.last.map { .string(ListCursor(name: $0.name, id: $0.id).encoded) } ?? .null
            : .null
        return .json(200, ["items": .array(items.map(\.json)), "nextCursor": next])
    }

    /// `GET /storage/buckets/:bucket/:fileId/versions` → `{items}`, newest first.
    func versions(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let bucketName = try StorageRequest.bucket(context)
        let fileID = try StorageRequest.fileID(context)
        let identity = context.identity
        let versions = try await environment.readers.read { connection in
            guard let bucket = try BucketCatalog.bucket(named: bucketName, in: connection),
                  let file = try FileCatalog.file(fileID, bucket: bucketName, in: connection) else {
                throw StorageErrors.fileNotFound
            }
            try StorageAccess.requireRead(identity, bucket.rules, file)
            return try FileCatalog.versions(of: fileID, in: connection)
        }
        return .json(200, ["items": .array(versions.map(\.json))])
    }

    /// `DELETE /storage/buckets/:bucket/:fileId` → 204. Every version's row goes in one commit;
    /// the bytes are unlinked after it.
    func delete(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let bucketName = try StorageRequest.bucket(context)
        let fileID = try StorageRequest.fileID(context)
        let identity = context.identity
        let outcome = try await environment.writer.write { write in
            try FileWrites.deleteFile(fileID, bucket: bucketName, in: write.connection) { file, bucket in
                try StorageAccess.requireWrite(identity, bucket.rules, .delete, file)
            }
        }
        await discard(blobs: outcome.removedBlobs)
        await auditFile("file.delete", outcome.file, request: request, context: context)
        return .noContent()
    }

    /// `limit`: absent → the default; 1 ... `listMaxLimit`, else 400.
    private func pageLimit(_ text: String?) throws(AppBaseError) -> Int {
        guard let text else { return settings.listDefaultLimit }
        guard let value = StorageRequest.positiveInteger(text), value <= Int64(settings.listMaxLimit) else {
            throw AppBaseError.validation("limit must be an integer from 1 to \(settings.listMaxLimit).", field: "limit")
        }
        return Int(value)
    }
}
