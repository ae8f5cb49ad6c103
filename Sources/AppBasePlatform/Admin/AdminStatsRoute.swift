import AppBaseAuth
import AppBaseChangeFeed
import AppBaseCollections
import AppBaseCore
import AppBaseHTTP
import AppBaseStorage

/// `GET /admin/stats` on every app: one view across the app's services, composed here because only
/// the platform sees them all (a service module never imports another).
///
/// Each figure comes from the service that owns it — users (auth), records per collection
/// (collections), files and bytes (storage), open streams (change feed) — on reader connections;
/// requests per minute come from `RequestRateHistory`, fed from the bus's `.requestsCompleted`
/// summaries, so nothing is counted on the request path.
struct AdminStatsRoute: Sendable {
    let app: String
    let auth: AuthService
    let collections: CollectionService
    let feed: ChangeFeedService
    let storage: StorageService
    let history: RequestRateHistory

    func register(on routes: inout RouteTable) {
        routes.add(.GET, "/admin/stats", bodyLimit: 0) { [self] in try await stats($0, $1) }
    }

    /// → `{"users", "collections":[{name,records}], "files", "bytes", "sseStreams",
    /// "requestsPerMinute":[{minute,requests,clientErrors,errors}]}`, the last 60 minutes oldest first.
    /// Admin key only.
    func stats(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        async let users = auth.userCount()
        async let counts = collections.recordCounts()
        async let usage = storage.currentUsage()
        let streams = await feed.openStreamCount()
        let minutes = history.window(app: app).map { minute -> JSONValue in
            [
                "minute": .string(Timestamp.rfc3339(milliseconds: minute.minute * 60_000)),
                "requests": .int(minute.requests), "clientErrors": .int(minute.clientErrors), "errors": .int(minute.errors),
            ]
        }
        let storageUsage = try await usage
        let userCount = try await users
        let recordCounts = try await counts
        let body: JSONValue = [
            "users": .int(Int64(userCount)),
            "collections": .array(recordCounts.map { ["name": .string($0.name), "records": .int(Int64($0.records))] }),
            "files": .int(storageUsage.files),
            "bytes": .int(storageUsage.bytes),
            "sseStreams": .int(Int64(streams)),
            "requestsPerMinute": .array(minutes),
        ]
        return .json(200, body)
    }
}
