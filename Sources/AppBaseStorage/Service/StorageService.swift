import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import Logging
import Synchronization

/// File storage for one app: buckets, streaming uploads, downloads with ranges, versions,
/// signed URLs and quotas. Files live under `data/<app>/storage/`, metadata in `app.sqlite`.
///
/// Request flow: handlers run on the event loop; metadata is read on a database reader thread
/// (a download's lookup and `open` share that one hop) and written through the app's single
/// writer; bytes are written, fsynced, renamed and unlinked on the service's own I/O threads.
/// `StorageActor` admits uploads and owns the lifecycle.
///
/// Integrity: an upload streams to `tmp/`, is fsynced, renamed to `blobs/<server id>`, the
/// directory fsynced, and only then is its row committed; deletion commits the row's removal
/// before unlinking. `start()` removes temp files and blobs without a row, so a crash at any
/// step leaves a complete file with its row, or nothing.
public final class StorageService: AppService {
    /// The storage tables (namespace `storage`).
    public static let migrations = MigrationSet(namespace: StorageSchema.namespace, migrations: StorageSchema.migrations)

    let environment: AppEnvironment
    let settings: StorageSettings
    let actor: StorageActor
    let store: BlobStore
    let signer: SignedURLSigner
    /// Which users are disabled (the auth service); a signed URL to a disabled user's file is refused.
    let users: (any UserStatusSource)?
    /// The app quota in force, fixed by `start()` (-1 = unlimited).
    let appQuota = Atomic<Int64>(-1)

    /// The app quota in force since `start()`: the configured one, or one derived from free disk
    /// (`StorageSettings.appQuotaFreeDiskPercent`); nil = unlimited.
    public var effectiveAppQuotaBytes: Int64? {
        let value = appQuota.load(ordering: .relaxed)
        return value < 0 ? nil : value
    }

    /// Creates the service; nothing touches the disk until `start()`.
    /// - Parameter users: answers whether a file's owner is disabled; nil skips that check.
    public init(environment: AppEnvironment, settings: StorageSettings, users: (any UserStatusSource)? = nil) {
        self.environment = environment
        self.settings = settings
        self.users = users
        actor = StorageActor(maxUploads: settings.maxConcurrentUploads, maxUploadsPerUser: settings.maxConcurrentUploadsPerUser)
        store = BlobStore(root: environment.storageDirectory, threadCount: settings.ioThreads)
        signer = SignedURLSigner(app: environment.app, masterSecret: environment.masterSecret)
    }

    /// Adds every storage route: files under `/storage/buckets`, signed downloads under
    /// `/storage/signed` (no key: the URL's signature is the credential) and `/admin/buckets`.
    public func registerRoutes(on routes: inout RouteTable) {
        let uploadLimit = Int(clamping: settings.largestFileBytes + Int64(MultipartUpload.maxOverheadBytes))
        let json = StorageRequest.maxJSONBytes
        routes.add(.POST, "/storage/buckets/:bucket/upload", bodyLimit: uploadLimit, bodyPace: .streamingUpload) { [self] in try await upload($0, $1) }
        routes.add(.GET, "/storage/buckets/:bucket", bodyLimit: 0) { [self] in try await list($0, $1) }
        routes.add(.GET, "/storage/buckets/:bucket/:fileId", bodyLimit: 0) { [self] in try await download($0, $1) }
        routes.add(.PUT, "/storage/buckets/:bucket/:fileId", bodyLimit: uploadLimit, bodyPace: .streamingUpload) { [self] in try await putVersion($0, $1) }
        routes.add(.DELETE, "/storage/buckets/:bucket/:fileId", bodyLimit: 0) { [self] in try await delete($0, $1) }
        routes.add(.GET, "/storage/buckets/:bucket/:fileId/versions", bodyLimit: 0) { [self] in try await versions($0, $1) }
        routes.add(.POST, "/storage/buckets/:bucket/:fileId/versions/:version/restore", bodyLimit: json) { [self] in
            try await restore($0, $1)
        }
        routes.add(.POST, "/storage/buckets/:bucket/:fileId/url", bodyLimit: json) { [self] in try await signURL($0, $1) }
        routes.add(.GET, "/storage/signed/:bucket/:fileId", auth: .none, bodyLimit: 0) { [self] in
            try await signedDownload($0, $1)
        }
        registerAdminRoutes(on: &routes)
        registerUsageRoute(on: &routes)
    }

    /// Prepares `storage/` and removes what a crash left behind: temp files, and blobs with no
    /// row. Runs before the app's port is bound.
    /// - Throws: a file-system or database error; the app then does not start.
    public func start() async throws {
        try await actor.start { [self] in
            try await store.prepareDirectories()
            let readers = environment.readers
            let swept = try await store.sweep { candidates in
                try await readers.read { connection in
                    try FileCatalog.referencedBlobs(among: candidates, in: connection)
                }
            }
            if swept.temporaryFiles > 0 || swept.orphanBlobs > 0 {
                environment.logger.notice(
                    "storage cleanup: removed \(swept.temporaryFiles) temp file(s), \(swept.orphanBlobs) orphan blob(s)")
            }
            try await fixAppQuota()
        }
    }

    /// Sets the app quota in force; a derived one is logged so the operator sees the figure.
    private func fixAppQuota() async throws {
        let usage = try await environment.readers.read { try FileCatalog.usage(user: nil, in: $0).app }
        let free = settings.appQuotaBytes == nil ? VolumeSpace.availableBytes(at: environment.storageDirectory) : nil
        let quota = settings.effectiveAppQuota(usage: usage, freeBytes: free)
        appQuota.store(quota ?? -1, ordering: .relaxed)
        if settings.appQuotaBytes == nil, let quota {
            environment.logger.notice("storage: app quota \(quota) bytes (usage \(usage) + \(settings.appQuotaFreeDiskPercent) % of \(free ?? 0) bytes free)")
        }
    }

    /// Waits for uploads in flight to end, then stops the I/O threads.
    public func shutdown() async {
        await actor.shutdown()
        store.shutdown()
    }

    /// Uploads admitted and not yet finished (streaming, committing or cleaning up).
    public var activeUploadCount: Int {
        get async { await actor.activeUploads }
    }

    // MARK: Shared by the route families

    /// The current time in milliseconds.
    var now: Int64 { environment.clock.nowMilliseconds() }

    /// Unlinks blobs whose rows were removed by a committed write; failures are logged and left
    /// to the next start-up sweep (a blob without a row is garbage, never a dangling row).
    func discard(blobs ids: [String]) async {
        let failed = await store.remove(blobs: ids)
        if !failed.isEmpty {
            environment.logger.warning("storage: could not unlink \(failed.count) blob(s); the next start-up sweep will")
        }
    }

    /// Publishes an audit event for a file write.
    func auditFile(_ action: String, _ file: StoredFile, request: HTTPRequest, context: RequestContext,
                   size: Int64? = nil) async {
        await auditFile(action, file, actor: context.auditActor(userAgent: request.headers["user-agent"]),
                        requestID: context.requestID, size: size)
    }

    /// Publishes an audit event for a file write made for `actor` (a request, or a user's deletion).
    func auditFile(_ action: String, _ file: StoredFile, actor: AuditActor, requestID: String?, size: Int64? = nil) async {
        await environment.audit(
            action, actor: actor, target: "\(file.bucket)/\(file.id)", requestID: requestID,
            details: ["bucket": file.bucket, "fileId": file.id, "version": String(file.version.version),
                      "size": String(size ?? file.version.size)])
    }

    /// Maps file-system errors to client errors; passes anything else through.
    static func clientError(_ error: any Error) -> any Error {
        (error as? FileIOError)?.appBaseError ?? error
    }
}
