import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite

/// `GET /admin/audit-log` (newest first, filters, cursor), `GET /admin/audit-log/verify` and
/// `GET /admin/audit-log.csv`. Admin only (a client key gets 403 before reaching here too).
extension AuditService {
    /// Most entries one page returns.
    static let maximumPage = 200
    /// Most entries one CSV export holds (newest first); the response says when it was cut.
    static let maximumExport = 100_000

    func registerAuditRoutes(on routes: inout RouteTable) {
        routes.add(.GET, "/admin/audit-log", auth: .apiKey) { [self] in try await listEntries($0, $1) }
        routes.add(.GET, "/admin/audit-log/verify", auth: .apiKey) { [self] in try await verifyChain($0, $1) }
        routes.add(.GET, "/admin/audit-log.csv", auth: .apiKey) { [self] in try await exportCSV($0, $1) }
    }

    /// 200 `{"items":[…], "next": cursor|null}`.
    func listEntries(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let filter = try AuditFilter(request)
        let pageSize = try request.pageLimit(maximum: Self.maximumPage)
        var entries = try await environment.readers.read { try filter.entries(limit: pageSize + 1, $0) }
        var next: JSONValue = .null
        if entries.count > pageSize {
            entries.removeLast(entries.count - pageSize)
            if let last = entries.last { next = .string(AuditCursor.encode(last.seq)) }
        }
        return .json(200, ["items": .array(entries.map(\.json)), "next": next])
    }

    /// 200 with the verification of the whole chain (also when it is broken: `ok` says so).
    func verifyChain(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let result = try await environment.readers.read { try AuditVerification.verify($0) }
        return .json(200, result.json)
    }

    /// 200 `text/csv` with the matching entries, newest first (at most `maximumExport`; the header
    /// `X-Audit-Truncated: true` says when there were more — narrow `since`/`until`).
    func exportCSV(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let filter = try AuditFilter(request)
        let cap = Self.maximumExport
        let entries = try await environment.readers.read { try filter.entries(limit: cap + 1, $0) }
        let body = AuditCSV.document(entries.prefix(cap))
        var headers = HTTPHeaders([("Content-Type", "text/csv; charset=utf-8"),
                                   ("Content-Disposition", "attachment; filename=\"audit-log-\(environment.app).csv\"")])
        if entries.count > cap { headers.add("X-Audit-Truncated", "true") }
        return HTTPResponse(status: 200, headers: headers, body: .bytes(body))
    }
}
