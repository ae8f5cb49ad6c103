import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import Testing

@testable import AppBaseCollections
@testable import AppBaseQuery
import OrderedCollections

/// ADR 0014: a filter on a declared index's leading path searches that index under any sort and
/// rule, and every plan returns the same pages as the in-memory reference.
@Suite("Query plans under every sort and rule")
struct QueryPlanTests {
    /// Who reads which collection: a user under the owner rule, anyone under the public rule, and
    /// an admin key (no rule predicate) on the owner-rule collection, with a filter of its own or
    /// with that filter narrowed to one owner (`ownerId = alice && (…)`).
    enum Scope: String, CaseIterable, Sendable {
        case owner, publicRead, adminOnOwnerCollection, adminPinningOwner

        var collection: String { self == .publicRead ? "pub" : "own" }
        var caller: TestCaller {
            switch self {
            case .owner: return .alice
            case .publicRead: return .anonymous
            case .adminOnOwnerCollection, .adminPinningOwner: return .admin
            }
        }
        /// The shape of the collection's query index: owner-scoped under the owner rule (ADR 0047).
        var ownerScopedIndex: Bool { self != .publicRead }
        func sees(_ record: JSONValue) -> Bool {
            switch self {
            case .owner, .adminPinningOwner: return record["ownerId"] == .string(TestCaller.aliceID)
            case .publicRead, .adminOnOwnerCollection: return true
            }
        }
        /// The filter this scope sends for `text` from the table.
        func filter(_ text: String) -> String {
            guard self == .adminPinningOwner else { return text }
            let owner = "ownerId = '\(TestCaller.aliceID)'"
            return text.isEmpty ? owner : "\(owner) && (\(text))"
        }
        /// Whether the list names the index for a filter the table marks `indexed`: an admin's
        /// filter on an owner-rule collection searches the owner-scoped index only when it pins the
        /// owner and narrows `n` too (ADR 0047).
        func searchesIndex(_ indexed: Bool) -> Bool { self == .adminOnOwnerCollection ? false : indexed }
    }

    /// Filters by whether the index on `n` applies to them.
    static let filters: [(text: String, indexed: Bool)] = [
        ("n = 42", true),
        ("n >= 30 && n < 35", true),
        ("n = 42 && m != 3", true),
        ("n = 42 || n = 43", true),
        ("n in [7, 8]", true),
        ("n = 42 || m = 3", false),
        ("m = 3", false),
        ("", false),
    ]
    /// The default sort, the indexed path both ways, and a path no index covers.
    static let sorts = ["", "n", "-n", "title"]

    /// Creates `own` (owner rule) and `pub` (public rule), each declaring an index on `n`, and
    /// inserts `count` records into each: `n = i % modulus` (missing on every 50th), `m = i % 7`,
    /// shuffled titles and ids, `createdAt` shared by pairs (so the `id` tiebreaker matters), a
    /// third of them owned by bob.
    static func seed(_ app: TestApp, count: Int, modulus: Int) async throws {
        for (name, read) in [("own", "owner"), ("pub", "public")] {
            let body = #"{"name":"\#(name)","rules":{"read":"\#(read)"},"indexes":[{"fields":["n"]}]}"#
            let created = await app.request("POST", "/admin/collections", as: .admin, body: body)
            try #require(created.status == 201, "\(created.text)")
        }
        try await app.writer.write { write in
            for name in ["own", "pub"] {
                try write.connection.execute("""
                    WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < \(count - 1))
                    INSERT INTO records (collection, id, owner_id, created_at, updated_at, version, data)
                    SELECT '\(name)', printf('r%06d', (i * 7919) % \(count)),
                           CASE WHEN i % 3 = 0 THEN '\(TestCaller.bobID)' ELSE '\(TestCaller.aliceID)' END,
                           printf('2024-01-01T00:00:%09d', i / 2), '2024-01-01T00:00:00.000Z', 1,
                           CASE WHEN i % 50 = 49 THEN json_object('m', i % 7, 'title', printf('t%06d', (i * 104729) % \(count)))
                                ELSE json_object('n', i % \(modulus), 'm', i % 7, 'title', printf('t%06d', (i * 104729) % \(count)))
                           END
                    FROM c
                    """)
            }
        }
    }

    /// Every record of `collection` as a full record object (system fields as members), read
    /// straight from the table.
    static func allRecords(_ app: TestApp, _ collection: String) async throws -> [JSONValue] {
        try await app.readers.read { connection in
            try connection.query(
                "SELECT id, owner_id, created_at, updated_at, version, data FROM records WHERE collection = ?",
                [.text(collection)]
            ) { row -> JSONValue in
                var members = (try? JSONParser.parse(row.text(5)))?.objectValue ?? [:]
                members["id"] = .string(row.text(0))
                members["ownerId"] = row.isNull(1) ? .null : .string(row.text(1))
                members["createdAt"] = .string(row.text(2))
                members["updatedAt"] = .string(row.text(3))
                members["version"] = .int(row.int64(4))
                return .object(members)
            }
        }
    }

    /// The ids the list API returns for `query`, following `nextCursor` to the end (bounded).
    static func pagedIDs(_ app: TestApp, _ scope: Scope, _ query: String) async throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        for _ in 0..<500 {
            let target = "/db/collections/\(scope.collection)?\(query)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let response = await app.request("GET", target, as: scope.caller)
            try #require(response.status == 200, "\(target): \(response.text)")
            ids += response.items.compactMap { $0["id"]?.stringValue }
            guard case .string(let next)? = response.json["nextCursor"] else { return ids }
            cursor = next
        }
        throw TestAppError("more than 500 pages for \(query)")
    }

    static func encoded(_ text: String) -> String { QueryString.percentEncode(text) }

    @Test("no full scan where the index on n applies, and pages equal the in-memory reference", arguments: Scope.allCases)
    func planTable(_ scope: Scope) async throws {
        try await TestApp.with { app in
            try await Self.seed(app, count: 600, modulus: 60)
            let records = try await Self.allRecords(app, scope.collection).filter(scope.sees)
            let index = IndexDefinition(fields: [try FieldPath("n")], unique: false).queryIndex(collection: scope.collection, ownerScoped: scope.ownerScopedIndex)
            for (tableFilter, indexed) in Self.filters {
                let filterText = scope.filter(tableFilter)
                for sortText in Self.sorts {
                    var parts = ["limit=9"]
                    if !filterText.isEmpty { parts.append("filter=" + Self.encoded(filterText)) }
                    if !sortText.isEmpty { parts.append("sort=" + Self.encoded(sortText)) }
                    let query = parts.joined(separator: "&")
                    let label = "\(scope) filter=\(filterText) sort=\(sortText)"

                    let list = try app.listQuery(scope.collection, query, caller: scope.caller)
                    let plan = try await app.plan(of: list)
                    #expect((list.indexHint != nil) == scope.searchesIndex(indexed), "\(label): \(list.indexHint ?? "no hint")")
                    if scope == .adminPinningOwner && !indexed && sortText.isEmpty {
                        // The built-in (collection, owner_id, created_at, id) index keeps the order: no sort.
                        #expect(!plan.contains("TEMP B-TREE"), "\(label): \(plan)")
                    }
                    if scope.searchesIndex(indexed) {
                        #expect(plan.contains("USING INDEX \(index.name)"), "\(label): \(plan)")
                        #expect(!plan.split(separator: "|").contains { $0.drop { $0 == " " }.hasPrefix("SCAN") },
                                "\(label): \(plan)")
                    }

                    let sort = sortText.isEmpty ? SortSpec.default : try SortSpec.parse(sortText)
                    var expected = records
                    if !filterText.isEmpty {
                        let filter = try Filter.parse(filterText)
                        expected = expected.filter { FilterEvaluator.matches(filter, record: $0) }
                    }
                    expected.sort(by: sort.areInIncreasingOrder)
                    let ids = try await Self.pagedIDs(app, scope, query)
                    #expect(ids == expected.compactMap { $0["id"]?.stringValue }, "\(label)")
                }
            }
        }
    }

    @Test("a sort no index serves answers query_too_expensive within the budget; an indexed filter keeps it cheap")
    func budget() async throws {
        try await TestApp.with({ $0.queryBudgetSteps = 20_000 }) { app in
            try await Self.seed(app, count: 10_000, modulus: 1000)
            let scan = await app.request("GET", "/db/collections/own?sort=title", as: .alice)
            #expect(scan.status == 400, "\(scan.text)")
            #expect(scan.errorCode == "query_too_expensive")
            let narrowed = await app.request("GET", "/db/collections/own?sort=title&filter=" + Self.encoded("n = 42"), as: .alice)
            #expect(narrowed.status == 200, "\(narrowed.text)")
            // n = 42 holds 10 of the 10,000 records; bob owns 4 of them (i % 3 == 0).
            #expect(narrowed.items.count == 6, "\(narrowed.text)")
            let newest = await app.request("GET", "/db/collections/own?filter=" + Self.encoded("n = 42"), as: .alice)
            #expect(newest.status == 200)
            #expect(newest.items.count == 6)
        }
    }
}
