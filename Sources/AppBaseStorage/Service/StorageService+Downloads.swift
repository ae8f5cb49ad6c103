import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import OrderedCollections
import AppBaseRuntime

/// Reads of bytes: downloads, signed URLs and signed downloads.
extension StorageService {
    /// `GET`/`HEAD /storage/buckets/:bucket/:fileId[?version=N]` → the bytes, sent with sendfile.
    func download(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let bucketName = try StorageRequest.bucket(context)
        let fileID = try StorageRequest.fileID(context)
        let version = try StorageRequest.versionQuery(request)
        let identity = context.identity
        let prepared = try await prepare(fileID, in: bucketName, version: version, headers: request.headers) { file, bucket in
            try StorageAccess.requireRead(identity, bucket.rules, file)
        }
        return try DownloadResponder.response(prepared, request: request, cacheControl: "private, no-cache")
    }

    /// `GET`/`HEAD /storage/signed/:bucket/:fileId?v=&exp=&sig=`: no key or token; the signature
    /// is checked first (403 `invalid_signature`), then the expiry (403 `url_expired`), then
    /// whether the file still exists (404), then whether the URL was revoked (403 `invalid_signature`):
    /// the bucket's read rule changed since it was signed, or the file's owner is disabled.
    func signedDownload(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let nowSeconds = now / 1000
        let claims = try signer.verify(
            bucket: try context.parameter("bucket"), fileID: try context.parameter("fileId"),
            version: request.queryValue("v"), generation: request.queryValue("g"), expiresAt: request.queryValue("exp"),
            signature: request.queryValue("sig"), nowSeconds: nowSeconds)
        guard ResourceName.isValid(claims.bucket), Identifier.isUUID(claims.fileID) else { throw StorageErrors.fileNotFound }
        let users = self.users
        let prepared = try await prepare(claims.fileID, in: claims.bucket, version: claims.version,
                                         headers: request.headers) { file, bucket in
            guard bucket.urlGeneration == claims.generation else { throw StorageErrors.invalidSignature }
            if let owner = file.ownerID, users?.isUserDisabled(owner) == true { throw StorageErrors.invalidSignature }
        }
        let maxAge = max(0, min(claims.expiresAt - nowSeconds, 3600))
        return try DownloadResponder.response(prepared, request: request, cacheControl: "private, max-age=\(maxAge)")
    }

    /// `POST /storage/buckets/:bucket/:fileId/url {expiresIn?, version?}` → `{url, expiresAt}`,
    /// the URL relative to the app's API base. Needs read access to the file.
    func signURL(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let bucketName = try StorageRequest.bucket(context)
        let fileID = try StorageRequest.fileID(context)
        let body = try await StorageRequest.jsonObject(request, emptyIsObject: true)
        for key in body.objectValue?.keys ?? [] where key != "expiresIn" && key != "version" {
            throw AppBaseError.validation("Unknown field \(key).", field: key)
        }
        let expiresIn = try expiry(body["expiresIn"])
        var version: Int64?
        if let value = body["version"], value != .null {
            guard let number = value.intValue, number > 0 else {
                throw AppBaseError.validation("version must be a positive integer.", field: "version")
            }
            version = number
        }
        let identity = context.identity
        let requested = version
        let (file, generation) = try await environment.readers.read { connection in
            guard let bucket = try BucketCatalog.bucket(named: bucketName, in: connection),
                  let current = try FileCatalog.file(fileID, bucket: bucketName, in: connection) else {
                throw StorageErrors.fileNotFound
            }
            try StorageAccess.requireRead(identity, bucket.rules, current)
            guard let requested else { return (current, bucket.urlGeneration) }
            guard let file = try FileCatalog.file(fileID, bucket: bucketName, version: requested, in: connection) else {
                throw AppBaseError.notFound("Version not found.")
            }
            return (file, bucket.urlGeneration)
        }
        let expiresAt = now / 1000 + expiresIn
        let url = signer.url(for: SignedURLSigner.Claims(bucket: bucketName, fileID: fileID, version: file.version.version,
                                                         generation: generation, expiresAt: expiresAt))
        return .json(200, ["url": .string(url), "expiresAt": .string(Timestamp.rfc3339(milliseconds: expiresAt * 1000))])
    }

    /// `expiresIn` in seconds: absent → the default; 1 ... `signedURLMaxSeconds`, else 400.
    private func expiry(_ value: JSONValue?) throws(AppBaseError) -> Int64 {
        guard let value, value != .null else { return settings.signedURLDefaultSeconds }
        guard let seconds = value.intValue, seconds > 0, seconds <= settings.signedURLMaxSeconds else {
            throw AppBaseError.validation(
                "expiresIn must be a whole number of seconds from 1 to \(settings.signedURLMaxSeconds).", field: "expiresIn")
        }
        return seconds
    }

    /// On a reader thread, in one hop: the bucket and file rows, `authorize`, the conditional
    /// check (a 304 never opens the file), then `open` and a size check of the blob.
    /// - Throws: 404 when the bucket, file, version or blob is missing; what `authorize` throws.
    private func prepare(_ fileID: String, in bucketName: String, version: Int64?, headers: HTTPHeaders,
                         authorize: @escaping @Sendable (StoredFile, Bucket) throws -> Void) async throws
        -> DownloadResponder.Prepared
    {
        let store = self.store
        do {
            return try await environment.readers.read { connection in
                guard let bucket = try BucketCatalog.bucket(named: bucketName, in: connection),
                      let current = try FileCatalog.file(fileID, bucket: bucketName, in: connection) else {
                    throw StorageErrors.fileNotFound
                }
                try authorize(current, bucket)
                let file: StoredFile
                if let version, version != current.currentVersion {
                    guard let old = try FileCatalog.file(fileID, bucket: bucketName, version: version, in: connection) else {
                        throw AppBaseError.notFound("Version not found.")
                    }
                    file = old
                } else {
                    file = current
                }
                if DownloadResponder.isNotModified(file, headers: headers) { return .notModified(file) }
                guard let descriptor = try store.openBlob(file.version.blobID, expectedSize: file.version.size) else {
                    throw StorageErrors.fileNotFound
                }
                return .file(file, descriptor)
            }
        } catch {
            throw Self.clientError(error)
        }
    }
}
