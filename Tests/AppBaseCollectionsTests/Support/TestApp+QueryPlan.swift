import AppBaseCore
import AppBaseQuery
import Testing

@testable import AppBaseCollections
import AppBaseSQLite

extension TestApp {
    /// The `ListQuery` the list route builds for `GET /db/collections/<collection>?<query>` as
    /// `caller` (rules and declared indexes from the published catalog).
    func listQuery(_ collection: String, _ query: String, caller: TestCaller,
                   settings: CollectionSettings = CollectionSettings()) throws -> ListQuery {
        let identity = try #require(caller.identity)
        let definition = service.registry.definition(collection)
        let rule = (definition?.rules ?? .defaults).read
        let predicate = RulePredicate.sql(for: rule, userId: identity.user?.id, isAdmin: identity.isAdmin)
        let request = requestValue("GET", "/db/collections/\(collection)?\(query)", as: caller)
        return try ListQuery(collection: collection, request: request, rule: predicate, settings: settings,
                             indexes: definition?.indexes ?? [], readRule: rule, ownerScoped: ListQuery.isOwnerScoped(rule, predicate))
    }

    /// `EXPLAIN QUERY PLAN` of the page statement of `list`, its detail lines joined by " | ".
    func plan(of list: ListQuery) async throws -> String {
        let (sql, bindings) = list.pageStatement
        let rows = try await readers.read { connection in
            // As ListPage does: inside a read transaction whose first statement reads a table, so
            // the connection has checked the schema cookie (EXPLAIN alone would plan against a
            // schema cached before the indexes were declared).
            try connection.run("BEGIN")
            defer { _ = try? connection.run("COMMIT") }
            _ = try connection.queryOne("SELECT max(seq) FROM change_log") { $0.int64(0) }
            return try connection.query("EXPLAIN QUERY PLAN " + sql, bindings) { $0.text(3) }
        }
        return rows.joined(separator: " | ")
    }
}
