import AppBaseCore
import AppBaseHTTP
#if canImport(Glibc)
import Glibc
#endif

/// `/api/apps/:name/backups` (start, list), `/api/apps/:name/backups/:id` (status) and
/// `/api/apps/:name/backups/:id/download` (the archive, sent with `sendfile`). Like every
/// control-plane route, each authenticates before it looks the app up.
extension ControlPlane {
    /// Backups listed per request, newest first.
    static let backupListLimit = 100

    func registerBackupRoutes(on routes: inout RouteTable) {
        routes.add(.POST, "/api/apps/:name/backups", auth: .none, bodyLimit: 4096) { [self] request, context in
            try await authenticate(request)
            let name = try await existingApp(context)
            let record = try await backups.start(app: name)
            var headers = HTTPHeaders()
            headers.add("Location", "/api/apps/\(name)/backups/\(record.id)")
            return .json(202, record.json, headers: headers)
        }
        routes.add(.GET, "/api/apps/:name/backups", auth: .none, bodyLimit: 0) { [self] request, context in
            try await authenticate(request)
            let name = try await existingApp(context)
            let records = try await BackupCatalog.list(app: name, limit: Self.backupListLimit, in: master)
            return .json(200, ["items": .array(records.map(\.json))])
        }
        routes.add(.GET, "/api/apps/:name/backups/:id", auth: .none, bodyLimit: 0) { [self] request, context in
            try await authenticate(request)
            return .json(200, try await backupRecord(context).json)
        }
        routes.add(.GET, "/api/apps/:name/backups/:id/download", auth: .none, bodyLimit: 0) { [self] request, context in
            try await authenticate(request)
            let record = try await backupRecord(context)
            guard record.state == .done, let path = record.path else {
                throw AppBaseError(status: 409, code: .conflict,
                                   message: "Backup \(record.id) is \(record.state.rawValue); only a finished backup can be downloaded.")
            }
            return try Self.archiveResponse(path: path, app: record.app, createdAt: record.startedAt)
        }
    }

    /// The `:name` of a registered app. - Throws: 404.
    private func existingApp(_ context: RequestContext) async throws -> String {
        let name = try context.parameter("name")
        guard await registry.status(name) != nil else { throw AppRegistry.noSuchApp(name) }
        return name
    }

    /// The record `:id` of app `:name`. - Throws: 404 for an unknown app or backup.
    private func backupRecord(_ context: RequestContext) async throws -> BackupCatalog.Record {
        let name = try await existingApp(context)
        let id = try context.parameter("id")
        guard let record = try await BackupCatalog.find(id: id, app: name, in: master) else {
            throw AppBaseError.notFound("No backup \(AppRegistry.printable(id)) of app \(name).")
        }
        return record
    }

    /// The archive as an attachment. - Throws: 410 when its file was removed since.
    private static func archiveResponse(path: String, app: String, createdAt: Int64) throws -> HTTPResponse {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw AppBaseError(status: 410, code: ErrorCode("gone"), message: "The archive of this backup is no longer on disk.")
        }
        let owned = OwnedFileDescriptor(descriptor)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw AppBaseError.internalError(cause: "fstat \(path)") }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/gzip")
        headers.add("Content-Disposition",
                    ContentDisposition(.attachment, filename: AppBackup.fileName(app: app, at: createdAt)).headerValue)
        return HTTPResponse(status: 200, headers: headers,
                            body: .file(FileBody(descriptor: owned, offset: 0, length: Int64(info.st_size))))
    }

    /// AppInfo with its `lastBackup` (one query for every app in the list).
    func appInfoWithBackup(_ status: AppStatus) async -> JSONValue {
        let last = try? await BackupCatalog.latest(in: master)[status.name]
        return appInfo(status, lastBackup: last)
    }
}
