import AppBaseCore
import OrderedCollections
import AppBaseHTTP

/// `GET <path>` and `POST <path>/:id/retry`: `/admin/jobs` on an app's port (admin key only),
/// `/api/jobs` on the control plane for the master's queue (master key only).
extension JobScheduler {
    /// Most jobs one page returns.
    public static let maximumPage = 200
    static let defaultPage = 50
    /// Longest `kind` filter accepted (kinds are short dotted names).
    static let maximumKindBytes = 100

    /// Who may use the job routes; throws to refuse.
    public typealias RouteAuthorization = @Sendable (HTTPRequest, RequestContext) async throws -> Void
    /// Records an operator's action on a job in the audit log (`job.retry`, its target the job id).
    public typealias ActionAudit = @Sendable (_ action: String, _ jobID: String, HTTPRequest, RequestContext) async -> Void

    /// Adds the job routes under `path`. The default is an app's: the router's API-key check, then
    /// `authorize` requires an admin key (403 `forbidden` for a client key). A retry is audited
    /// through `audit` once it committed.
    public nonisolated func registerRoutes(on routes: inout RouteTable, path: String = "/admin/jobs", auth: RouteAuth = .apiKey,
                                           authorize: @escaping RouteAuthorization = { _, context in try context.requireAdmin() },
                                           audit: ActionAudit? = nil) {
        routes.add(.GET, path, auth: auth, bodyLimit: 0) { [self] request, context in
            try await authorize(request, context)
            return try await listRoute(request)
        }
        routes.add(.POST, path + "/:id/retry", auth: auth, bodyLimit: 1_024) { [self] request, context in
            try await authorize(request, context)
            let response = try await retryRoute(context)
            await audit?("job.retry", try context.parameter("id"), request, context)
            return response
        }
    }

    /// `GET /admin/jobs?state=&kind=&limit=&cursor=` → `{"items":[…],"next":cursor|null}`, newest first.
    /// - Throws: 400 `validation_failed` for a bad `state`, `kind` or `limit`; 400 `invalid_cursor`.
    nonisolated func listRoute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let query = try JobListQuery(request)
        let jobs = try await list(state: query.state, kind: query.kind, before: query.before, limit: query.limit)
        var next = JSONValue.null
        if jobs.count == query.limit, let last = jobs.last { next = .string(String(last.id)) }
        return .json(200, .object(["items": .array(jobs.map(\.json)), "next": next]))
    }

    /// `POST /admin/jobs/:id/retry` → 200 `{"job":…}` (now queued, due now).
    /// - Throws: 404 `not_found`; 409 `conflict` unless the job is `failed`.
    nonisolated func retryRoute(_ context: RequestContext) async throws -> HTTPResponse {
        guard let id = Int64(try context.parameter("id")), id > 0 else { throw AppBaseError.notFound("Job not found.") }
        let job = try await retry(id)
        return .json(200, .object(["job": job.json]))
    }
}

/// The parsed query of `GET /admin/jobs`.
struct JobListQuery: Sendable {
    var state: JobState?
    var kind: String?
    var before: Int64?
    var limit = JobScheduler.defaultPage

    init(_ request: HTTPRequest) throws(AppBaseError) {
        if let text = request.queryValue("state"), !text.isEmpty {
            guard let value = JobState(rawValue: text) else {
                throw AppBaseError.validation("state must be one of queued, running, done, failed.", field: "state")
            }
            state = value
        }
        if let text = request.queryValue("kind"), !text.isEmpty {
            guard text.utf8.count <= JobScheduler.maximumKindBytes else {
                throw AppBaseError.validation("kind is longer than \(JobScheduler.maximumKindBytes) bytes.", field: "kind")
            }
            kind = text
        }
        if let text = request.queryValue("limit") {
            guard let value = Int(text), (1...JobScheduler.maximumPage).contains(value) else {
                throw AppBaseError.validation("limit must be between 1 and \(JobScheduler.maximumPage).", field: "limit")
            }
            limit = value
        }
        if let text = request.queryValue("cursor"), !text.isEmpty {
            guard text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(text), value > 0 else {
                throw AppBaseError(status: 400, code: .invalidCursor, message: "The cursor is not valid.")
            }
            before = value
        }
    }
}
