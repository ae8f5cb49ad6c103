import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// Writes that add bytes: new files, new versions, restores.
extension StorageService {
    /// `POST /storage/buckets/:bucket/upload` → 201 with the file's metadata. Creates the bucket
    /// (default rules) on its first upload.
    func upload(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let bucketName = try StorageRequest.bucket(context)
        let format = try StorageRequest.uploadFormat(request)
        let queryName = try StorageRequest.nameQuery(request)
        let identity = context.identity
        let user = identity.user?.id
        let (bucketRow, usage) = try await environment.readers.read { connection in
            (try BucketCatalog.bucket(named: bucketName, in: connection), try FileCatalog.usage(user: user, in: connection))
        }
        let bucket = bucketRow ?? Bucket.implicit(bucketName, now: now)
        try StorageAccess.requireBucket(identity, bucket.rules.create)
        let fileID = Identifier.uuidV7(milliseconds: now)
        let quota = quota
        let settings = settings
        let outcome = try await receiveAndCommit(request, format: format, bucket: bucket, usage: usage, user: user,
                                                 slotHolder: Self.uploadSlotHolder(context)) {
            connection, version, receivedName in
            try FileWrites.createFile(id: fileID, bucket: bucketName, name: receivedName ?? queryName ?? fileID,
                                      owner: user, version: version, quota: quota, settings: settings, in: connection) {
                try StorageAccess.requireBucket(identity, $0.rules.create)
            }
        }
        await auditFile("file.upload", outcome.file, request: request, context: context)
        return .json(201, outcome.file.json)
    }

    /// `PUT /storage/buckets/:bucket/:fileId` → 200 with the new current version (n + 1).
    func putVersion(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let bucketName = try StorageRequest.bucket(context)
        let fileID = try StorageRequest.fileID(context)
        let format = try StorageRequest.uploadFormat(request)
        let queryName = try StorageRequest.nameQuery(request)
        let identity = context.identity
        let user = identity.user?.id
        let (bucket, usage) = try await existingFile(fileID, in: bucketName, for: .update, context: context, user: user)
        let quota = quota
        let settings = settings
        let outcome = try await receiveAndCommit(request, format: format, bucket: bucket, usage: usage, user: user,
                                                 slotHolder: Self.uploadSlotHolder(context)) {
            connection, version, receivedName in
            try FileWrites.addVersion(fileID: fileID, bucket: bucketName, rename: receivedName ?? queryName,
                                      version: version, quota: quota, settings: settings, in: connection) { file, bucket in
                try StorageAccess.requireWrite(identity, bucket.rules, .update, file)
            }
        }
        await discard(blobs: outcome.removedBlobs)
        await auditFile("file.version", outcome.file, request: request, context: context)
        return .json(200, outcome.file.json)
    }

    /// `POST /storage/buckets/:bucket/:fileId/versions/:version/restore` → 200: the old version's
    /// bytes become the new current version (a hard link, no copy).
    func restore(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let bucketName = try StorageRequest.bucket(context)
        let fileID = try StorageRequest.fileID(context)
        let number = try StorageRequest.version(try context.parameter("version"), field: "version")
        let identity = context.identity
        let user = identity.user?.id
        let old = try await environment.readers.read { connection -> StoredFile? in
            guard let bucket = try BucketCatalog.bucket(named: bucketName, in: connection),
                  let current = try FileCatalog.file(fileID, bucket: bucketName, in: connection) else { return nil }
            try StorageAccess.requireWrite(identity, bucket.rules, .update, current)
            return try FileCatalog.file(fileID, bucket: bucketName, version: number, in: connection)
        }
        guard let old else { throw AppBaseError.notFound("Version not found.") }
        let blobID = Identifier.uuidV7(milliseconds: now)
        do {
            try await store.link(blob: old.version.blobID, as: blobID)
        } catch let error as FileIOError where error.isNotFound {
            throw AppBaseError.notFound("Version not found.")
        }
        let version = FileVersion(version: 0, blobID: blobID, size: old.version.size, sha256: old.version.sha256,
                                  contentType: old.version.contentType, ownerID: user, createdAt: now)
        let quota = quota
        let settings = settings
        let outcome: FileWrites.Outcome
        do {
            outcome = try await environment.writer.write { context in
                try FileWrites.addVersion(fileID: fileID, bucket: bucketName, rename: nil, version: version, quota: quota,
                                          settings: settings, in: context.connection) { file, bucket in
                    try StorageAccess.requireWrite(identity, bucket.rules, .update, file)
                }
            }
        } catch {
            await discard(blobs: [blobID])
            throw Self.clientError(error)
        }
        await discard(blobs: outcome.removedBlobs)
        await auditFile("file.restore", outcome.file, request: request, context: context)
        return .json(200, outcome.file.json)
    }

    /// Whose upload slots a request uses: the signed-in user's, else (a bucket open to anonymous
    /// uploads) the client address's, so neither can take the whole app's; nil for an admin key
    /// without a user, bounded by the app's limit only.
    static func uploadSlotHolder(_ context: RequestContext) -> String? {
        if let user = context.identity.user?.id { return "user:" + user }
        return context.identity.isAdmin ? nil : "ip:" + context.clientIP
    }

    /// The app's quota in force and the users' quota from the settings.
    var quota: FileWrites.Quota { FileWrites.Quota(appBytes: effectiveAppQuotaBytes, userBytes: settings.userQuotaBytes) }

    /// Looks up a file for a write, checking `operation` (404 unreadable, 403 not allowed), with
    /// the usage the upload's quota allowance starts from.
    private func existingFile(_ fileID: String, in bucketName: String, for operation: AccessOperation,
                              context: RequestContext, user: String?) async throws -> (Bucket, (app: Int64, user: Int64)) {
        let identity = context.identity
        return try await environment.readers.read { connection in
            guard let bucket = try BucketCatalog.bucket(named: bucketName, in: connection),
                  let file = try FileCatalog.file(fileID, bucket: bucketName, in: connection) else {
                throw StorageErrors.fileNotFound
            }
            try StorageAccess.requireWrite(identity, bucket.rules, operation, file)
            return (bucket, try FileCatalog.usage(user: user, in: connection))
        }
    }

    /// Streams the body to a temp file, publishes it as a blob and commits its row with `commit`
    /// (inside the writer's transaction). On any failure nothing is left: the temp file or blob
    /// is removed. Pruned blobs are unlinked by the caller, after the commit.
    private func receiveAndCommit(
        _ request: HTTPRequest, format: UploadReceiver.Format, bucket: Bucket, usage: (app: Int64, user: Int64),
        user: String?, slotHolder: String?,
        commit: @escaping @Sendable (SQLiteConnection, FileVersion, String?) throws -> FileWrites.Outcome
    ) async throws -> FileWrites.Outcome {
        let maxBytes = bucket.effectiveMaxFileBytes(settings)
        let allowance = quotaAllowance(usage: usage, user: user)
        let receiver = UploadReceiver(format: format) { declaredType in
            UploadGate(maxBytes: maxBytes, quotaAllowance: allowance, bucket: bucket, declaredType: declaredType)
        }
        try receiver.checkUpfront()
        try await actor.beginUpload(by: slotHolder)
        do {
            let outcome = try await streamAndCommit(request, receiver: receiver, user: user, commit: commit)
            await actor.endUpload(by: slotHolder)
            return outcome
        } catch {
            await actor.endUpload(by: slotHolder)
            throw Self.clientError(error)
        }
    }

    private func streamAndCommit(
        _ request: HTTPRequest, receiver: UploadReceiver, user: String?,
        commit: @escaping @Sendable (SQLiteConnection, FileVersion, String?) throws -> FileWrites.Outcome
    ) async throws -> FileWrites.Outcome {
        let sink = try await UploadSink.create(in: store, milliseconds: now)
        let received: UploadReceiver.Received
        let written: UploadSink.Written
        let blobID = Identifier.uuidV7(milliseconds: now)
        do {
            received = try await receiver.receive(request.body, into: sink)
        } catch {
            await sink.abort()
            throw error
        }
        do {
            written = try await sink.finish(publishingAs: try store.path(forBlob: blobID), in: store.blobDirectory)
        } catch {
            await sink.abort()
            // A rename that happened before a failed directory fsync leaves the blob behind.
            await discard(blobs: [blobID])
            throw error
        }
        let version = FileVersion(version: 1, blobID: blobID, size: written.size, sha256: written.sha256,
                                  contentType: received.contentType, ownerID: user, createdAt: now)
        let name = received.name
        do {
            return try await environment.writer.write { context in try commit(context.connection, version, name) }
        } catch {
            await discard(blobs: [blobID])
            throw error
        }
    }

    /// Bytes left under the app's and the user's quotas; nil when neither applies.
    private func quotaAllowance(usage: (app: Int64, user: Int64), user: String?) -> Int64? {
        var allowance: Int64?
        if let limit = effectiveAppQuotaBytes { allowance = limit - usage.app }
        if let limit = settings.userQuotaBytes, user != nil { allowance = min(allowance ?? .max, limit - usage.user) }
        return allowance.map { max(0, $0) }
    }
}
