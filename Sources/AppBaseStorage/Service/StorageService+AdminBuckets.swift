import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import AppBaseRuntime

/// `/admin/buckets`: bucket management with an admin key (documented like `/admin/collections`).
extension StorageService {
    func registerAdminRoutes(on routes: inout RouteTable) {
        let json = StorageRequest.maxJSONBytes
        routes.add(.GET, "/admin/buckets", bodyLimit: 0) { [self] in try await listBuckets($0, $1) }
        routes.add(.POST, "/admin/buckets", bodyLimit: json) { [self] in try await createBucket($0, $1) }
        routes.add(.GET, "/admin/buckets/:bucket", bodyLimit: 0) { [self] in try await getBucket($0, $1) }
        routes.add(.PATCH, "/admin/buckets/:bucket", bodyLimit: json) { [self] in try await updateBucket($0, $1) }
        routes.add(.DELETE, "/admin/buckets/:bucket", bodyLimit: 0) { [self] in try await deleteBucket($0, $1) }
    }

    /// `GET /admin/buckets` → `{items}` in name order.
    func listBuckets(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let buckets = try await environment.readers.read { try BucketCatalog.all(in: $0) }
        let settings = settings
        return .json(200, ["items": .array(buckets.map { $0.json(settings) })])
    }

    /// `POST /admin/buckets {name, rules?, maxFileBytes?, allowedTypes?, versionsKept?}` → 201;
    /// 409 `conflict` when it exists.
    func createBucket(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let body = try await StorageRequest.jsonObject(request)
        guard let given = body["name"]?.stringValue else { throw AppBaseError.validation("name is required.", field: "name") }
        let name = try ResourceName.validatedBucket(given)
        let patch = try BucketSettingsPatch(body, settings: settings)
        let bucket = patch.applied(to: .implicit(name, now: now), now: now)
        try await environment.writer.write { try BucketCatalog.insert(bucket, in: $0.connection) }
        await auditBucket("bucket.create", name, request: request, context: context)
        return .json(201, bucket.json(settings))
    }

    /// `GET /admin/buckets/:bucket` → the bucket, or 404.
    func getBucket(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let name = try StorageRequest.bucket(context)
        guard let bucket = try await environment.readers.read({ try BucketCatalog.bucket(named: name, in: $0) }) else {
            throw AppBaseError.notFound("Bucket not found.")
        }
        return .json(200, bucket.json(settings))
    }

    /// `PATCH /admin/buckets/:bucket` → 200 with the bucket as changed; 404 when missing.
    func updateBucket(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let name = try StorageRequest.bucket(context)
        let body = try await StorageRequest.jsonObject(request)
        if let renamed = body["name"], renamed != .string(name) {
            throw AppBaseError.validation("A bucket cannot be renamed.", field: "name")
        }
        let patch = try BucketSettingsPatch(body, settings: settings)
        let now = now
        let bucket = try await environment.writer.write { write in
            guard let existing = try BucketCatalog.bucket(named: name, in: write.connection) else {
                throw AppBaseError.notFound("Bucket not found.")
            }
            var changed = patch.applied(to: existing, now: now)
            // Who may read changed: URLs signed under the old rule must stop working.
            if changed.rules.read != existing.rules.read { changed.urlGeneration += 1 }
            try BucketCatalog.update(changed, in: write.connection)
            return changed
        }
        await auditBucket("bucket.update", name, request: request, context: context)
        return .json(200, bucket.json(settings))
    }

    /// `DELETE /admin/buckets/:bucket` → 204; every file in it is deleted (rows first, then bytes).
    func deleteBucket(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let name = try StorageRequest.bucket(context)
        let removed = try await environment.writer.write { try BucketCatalog.delete(name, in: $0.connection) }
        guard let removed else { throw AppBaseError.notFound("Bucket not found.") }
        await discard(blobs: removed)
        await auditBucket("bucket.delete", name, request: request, context: context, details: ["versions": String(removed.count)])
        return .noContent()
    }

    private func auditBucket(_ action: String, _ name: String, request: HTTPRequest, context: RequestContext,
                             details: [String: String] = [:]) async {
        await environment.audit(action, actor: context.auditActor(userAgent: request.headers["user-agent"]),
                                target: name, requestID: context.requestID, details: details.merging(["bucket": name]) { $1 })
    }
}
