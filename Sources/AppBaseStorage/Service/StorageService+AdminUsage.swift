import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite

/// `GET /admin/storage/usage`, and the same figures for the platform's `/admin/stats`.
extension StorageService {
    func registerUsageRoute(on routes: inout RouteTable) {
        routes.add(.GET, "/admin/storage/usage", bodyLimit: 0) { [self] in try await usage($0, $1) }
    }

    /// `GET /admin/storage/usage` → `StorageUsage.json()`: files, versions and bytes per bucket,
    /// per owner and in all. Admin key only.
    func usage(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        return .json(200, try await currentUsage().json())
    }

    /// What storage holds now (on a reader).
    /// - Throws: SQLite errors; `server_busy` when the readers are saturated.
    public func currentUsage() async throws -> StorageUsage {
        try await environment.readers.read { try StorageUsage.read(on: $0) }
    }
}
