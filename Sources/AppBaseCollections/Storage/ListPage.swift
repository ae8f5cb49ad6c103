import AppBaseCore
import AppBaseQuery
import AppBaseSQLite

/// Runs a `ListQuery` on a reader connection and writes the response body directly from the
/// rows: `{"items":[…],"nextCursor":…,"total":…}`.
enum ListPage {
    /// The body and the change sequence it reflects.
    struct Result: Sendable {
        var body: [UInt8]
        var changeSequence: Int64
    }

    /// Reads the page, the total (when asked) and the change log's sequence in one read
    /// transaction, so `X-Change-Seq` names exactly the state the items show.
    /// - Throws: 400 `query_too_expensive` when the query exceeds `budget` VM steps.
    static func run(_ query: ListQuery, budget: Int, on connection: SQLiteConnection) throws -> Result {
        do {
            return try runOnce(query, budget: budget, on: connection)
        } catch let error as SQLiteError where query.indexHint != nil && error.message.hasPrefix("no such index") {
            // The hint came from the catalog snapshot; an admin change committed since may have
            // dropped that index. Answer without the hint rather than fail.
            var unhinted = query
            unhinted.indexHint = nil
            return try runOnce(unhinted, budget: budget, on: connection)
        }
    }

    private static func runOnce(_ query: ListQuery, budget: Int, on connection: SQLiteConnection) throws -> Result {
        do {
            return try connection.transaction {
                let sequence = try RecordStore.changeSequence(connection)
                let body = try connection.withWorkBudget(steps: budget) { try pageBody(query, connection) }
                return Result(body: body, changeSequence: sequence)
            }
        } catch let error as SQLiteError where error.isInterrupted {
            throw AppBaseError(status: 400, code: .queryTooExpensive,
                               message: "The query would scan too much; narrow the filter or declare an index for it.",
                               cause: error.description)
        }
    }

    /// `{"items":[…],"nextCursor":…(,"total":n)}` for `query`.
    private static func pageBody(_ query: ListQuery, _ connection: SQLiteConnection) throws -> [UInt8] {
        var body: [UInt8] = []
        // Room for a page of typical records at once: growing by doubling from a few KiB
        // copied a 50-record page three times.
        body.reserveCapacity(min(query.limit * 512, query.byteBudget) + 1024)
        RecordJSON.appendLiteral(#"{"items":["#, to: &body)
        let last = try appendItems(query, to: &body, connection)
        RecordJSON.appendLiteral(#"],"nextCursor":"#, to: &body)
        if let last {
            RecordJSON.appendString(PageCursor.encode(last, fingerprint: query.fingerprint), to: &body)
        } else {
            RecordJSON.appendLiteral("null", to: &body)
        }
        if query.includeTotal {
            let (sql, bindings) = query.countStatement
            let total = try connection.queryOne(sql, bindings) { $0.int64(0) } ?? 0
            RecordJSON.appendLiteral(#","total":"#, to: &body)
            body.append(contentsOf: String(total).utf8)
        }
        body.append(UInt8(ascii: "}"))
        return body
    }

    /// Appends up to `limit` items, ending early once they pass `byteBudget` bytes (after at least
    /// one); returns the cursor after the last one when more follow.
    private static func appendItems(_ query: ListQuery, to body: inout [UInt8],
                                    _ connection: SQLiteConnection) throws -> SortCursor? {
        let (sql, bindings) = query.pageStatement
        let itemsStart = body.count
        return try connection.withStatement(sql) { statement in
            statement.bind(bindings)
            var count = 0
            // Set once the page is full; a further row then means there is a next page.
            var last: SortCursor?
            while try statement.step() {
                if last != nil { return last }
                if count > 0 { body.append(UInt8(ascii: ",")) }
                if let projection = query.projection {
                    projection.appendRow(statement, to: &body)
                } else {
                    RecordJSON.appendRow(statement, to: &body)
                }
                count += 1
                if count == query.limit || body.count - itemsStart >= query.byteBudget {
                    // Only the page's last row needs its sort values, for the cursor.
                    let values = (0..<query.sort.keys.count).map { ListQuery.sqlValue(statement.value(Int32(6 + $0))) }
                    last = SortCursor(values: values, id: statement.text(0))
                }
            }
            return nil
        }
    }
}
