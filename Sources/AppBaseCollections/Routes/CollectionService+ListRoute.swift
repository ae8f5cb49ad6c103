import AppBaseCore
import AppBaseHTTP
import AppBaseQuery
import AppBaseSQLite
import AppBaseRuntime

/// `GET /db/collections/:collection` → `{items, nextCursor, total?}` with `X-Change-Seq`.
extension CollectionService {
    func registerListRoute(on routes: inout RouteTable) {
        routes.add(.GET, "/db/collections/:collection", auth: .apiKey) { [self] request, context in
            try await listRecords(request, context)
        }
    }

    /// Lists the records the caller may read, filtered, sorted and paged by keyset.
    private func listRecords(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let collection = try ResourceName.validatedCollection(context.parameter("collection"))
        let identity = context.identity
        let rule = try registry.rules(for: collection).read
        try AccessCheck.gate(rule, .read, identity)
        let predicate = RulePredicate.sql(for: rule, userId: identity.user?.id, isAdmin: identity.isAdmin)
        let query = try ListQuery(collection: collection, request: request, rule: predicate, settings: settings,
                                  indexes: registry.definition(collection)?.indexes ?? [], readRule: rule,
                                  ownerScoped: ListQuery.isOwnerScoped(rule, predicate))
        let budget = settings.queryBudgetSteps
        let page = try await environment.readers.read { connection in
            try ListPage.run(query, budget: budget, on: connection)
        }
        return .json(200, page.body, headers: HTTPHeaders("X-Change-Seq", String(page.changeSequence)))
    }
}
