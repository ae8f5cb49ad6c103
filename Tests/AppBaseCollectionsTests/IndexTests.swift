import AppBaseCore
import AppBaseHTTP
import AppBaseQuery
import Testing

@testable import AppBaseCollections
import AppBaseSQLite

@Suite("Declared indexes and query plans")
struct IndexTests {
    /// The plan SQLite chooses for the list query `target` would run as `caller`.
    static func plan(_ app: TestApp, _ query: String, caller: TestCaller = .admin) async throws -> String {
        try await app.plan(of: app.listQuery("tasks", query, caller: caller))
    }

    static func seed(_ app: TestApp, count: Int = 200) async throws {
        let statuses = ["open", "done", "blocked", "review"]
        let operations = (0..<count).map {
            #"{"op":"create","collection":"tasks","data":{"status":"\#(statuses[$0 % 4])","n":\#($0),"p":{"q":\#($0 % 7)}}}"#
        }
        for chunk in stride(from: 0, to: count, by: 100) {
            let body = #"{"operations":[\#(operations[chunk..<min(count, chunk + 100)].joined(separator: ","))]}"#
            try #require(await app.request("POST", "/db/batch", as: .alice, body: body).status == 200)
        }
    }

    @Test("a filtered, sorted list on indexed paths uses the declared index (EXPLAIN QUERY PLAN)")
    func planUsesIndex() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/admin/collections", as: .admin, body: """
                {"name":"tasks","rules":{"read":"authenticated"},"indexes":[{"fields":["status","createdAt"]},{"fields":["p.q"]}]}
                """)
            try #require(created.status == 201, "\(created.text)")
            try await Self.seed(app)
            let index = IndexDefinition(fields: [try FieldPath("status"), try FieldPath("createdAt")], unique: false)
                .queryIndex(collection: "tasks", ownerScoped: false).name
            let filtered = try await Self.plan(app, "filter=status%3D%22open%22&sort=-createdAt")
            #expect(filtered.contains("USING INDEX \(index)"), "\(filtered)")
            #expect(!filtered.contains("TEMP B-TREE"), "\(filtered)")
            let nested = try await Self.plan(app, "filter=p.q%3E3&sort=p.q")
            #expect(nested.contains("USING INDEX rx_"), "\(nested)")
            // Rows come in p.q order; only ties on p.q are put in id order (ADR 0014).
            #expect(!nested.contains("TEMP B-TREE FOR ORDER BY"), "\(nested)")
            // The next page too: the keyset predicate is a range on the same index.
            let page = await app.request("GET", "/db/collections/tasks?filter=status%3D%22open%22&limit=5", as: .alice)
            let cursor = try #require(page.json["nextCursor"]?.stringValue)
            let next = try await Self.plan(app, "filter=status%3D%22open%22&limit=5&cursor=\(cursor)")
            #expect(next.contains("USING INDEX \(index)"), "\(next)")
            // Without a declared index the same filter scans the collection's default index.
            let unindexed = try await Self.plan(app, "filter=n%3D3")
            #expect(!unindexed.contains("rx_"), "\(unindexed)")
            // The default listing and the owner rule use the built-in composite indexes.
            #expect(try await Self.plan(app, "").contains("records_by_created"))
            _ = await app.request("PATCH", "/admin/collections/tasks", as: .admin, body: #"{"rules":{"read":"owner"}}"#)
            #expect(try await Self.plan(app, "", caller: .alice).contains("records_by_owner_created"))
        }
    }

    @Test("declaring and removing indexes creates and drops the SQLite indexes; shared ones survive")
    func lifecycle() async throws {
        try await TestApp.with { app in
            let managed: @Sendable () async throws -> [String] = {
                try await app.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'rx%' ORDER BY name") { $0.text(0) }
            }
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"a","indexes":[{"fields":["x"]}]}"#).status == 201)
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"b","indexes":[{"fields":["x"]}]}"#).status == 201)
            // The default read rule is owner: one owner-scoped query index (ADR 0047) per
            // collection, partial on it (ADR 0049).
            #expect(try await managed().count == 2, "one per collection")
            let patched = await app.request("PATCH", "/admin/collections/a", as: .admin, body: #"{"indexes":[{"fields":["y","x"]}]}"#)
            #expect(patched.json["indexes"] == JSONValue.parse(#"[{"fields":["y","x"],"unique":false}]"#))
            #expect(try await managed().count == 2)
            #expect(await app.request("DELETE", "/admin/collections/b", as: .admin).status == 204)
            #expect(try await managed().count == 1)
            let ddl = try await app.query("SELECT sql FROM sqlite_master WHERE name LIKE 'rx%'") { $0.text(0) }
            #expect(ddl.first?.contains("owner_id, json_extract(data, '$.y'), json_extract(data, '$.x'), created_at, id") == true, "\(ddl)")
            #expect(ddl.first?.hasSuffix("WHERE collection = 'a'") == true, "partial on its collection: \(ddl)")
        }
    }

    @Test("a collection's index holds only its own records: writes elsewhere add no entries (ADR 0049)")
    func indexesArePartialPerCollection() async throws {
        try await TestApp.with { app in
            #expect(await app.request("POST", "/admin/collections", as: .admin,
                                      body: #"{"name":"a","rules":{"read":"public"},"indexes":[{"fields":["n"]}]}"#).status == 201)
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"b","rules":{"read":"public"}}"#).status == 201)
            for n in 0..<30 {
                let collection = n < 10 ? "a" : "b"
                #expect(await app.request("POST", "/db/collections/\(collection)", as: .alice, body: #"{"n":\#(n)}"#).status == 201)
            }
            let index = IndexDefinition(fields: [try FieldPath("n")], unique: false).queryIndex(collection: "a", ownerScoped: false).name
            // ANALYZE counts each index's entries (the first number of its sqlite_stat1 row).
            let stat = try await app.writer.withConnection { connection in
                try connection.execute("ANALYZE")
                return try connection.queryOne("SELECT stat FROM sqlite_stat1 WHERE idx = ?", [.text(index)]) { $0.text(0) }
            }
            #expect(stat?.split(separator: " ").first == "10", "\(stat ?? "no statistics")")
            // And a filter on `n` in `a` still searches it.
            let plan = try await app.plan(of: app.listQuery("a", "filter=n%3D3", caller: .alice))
            #expect(plan.contains("USING INDEX \(index)"), "\(plan)")
        }
    }

    @Test("unique indexes are per collection and refuse duplicates with 409")
    func unique() async throws {
        try await TestApp.with { app in
            let body = #"{"name":"users","rules":{"read":"authenticated"},"indexes":[{"fields":["email"],"unique":true}]}"#
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: body).status == 201)
            _ = try await app.create("users", #"{"email":"a@x"}"#)
            let duplicate = await app.request("POST", "/db/collections/users", as: .bob, body: #"{"email":"a@x"}"#)
            #expect(duplicate.status == 409)
            #expect(duplicate.errorCode == "conflict")
            _ = try await app.create("other", #"{"email":"a@x"}"#)
            _ = try await app.create("users", #"{"name":"no email"}"#)
            _ = try await app.create("users", #"{"name":"no email either"}"#)
            // Declaring a unique index over existing duplicates fails and changes nothing.
            _ = try await app.create("dups", #"{"k":1}"#)
            _ = try await app.create("dups", #"{"k":1}"#)
            let conflict = await app.request("PATCH", "/admin/collections/dups", as: .admin,
                                              body: #"{"indexes":[{"fields":["k"],"unique":true}]}"#)
            #expect(conflict.status == 409)
            #expect(await app.request("GET", "/admin/collections/dups", as: .admin).json["indexes"] == .array([]))
        }
    }

    @Test("index declarations are validated", arguments: [
        #"{"name":"a","indexes":[{"fields":[]}]}"#,
        #"{"name":"a","indexes":[{"fields":["a b"]}]}"#,
        #"{"name":"a","indexes":[{"fields":["x"],"sparse":true}]}"#,
        #"{"name":"a","indexes":[{"fields":["x","x"]}]}"#,
        #"{"name":"a","indexes":[{"fields":["x"]},{"fields":["x"]}]}"#,
        #"{"name":"a","indexes":[{"fields":["x'); DROP TABLE records; --"]}]}"#,
        #"{"name":"a","rules":{"read":"everyone"}}"#,
        #"{"name":"a","rules":{"list":"public"}}"#,
        #"{"name":"a","extra":1}"#,
        #"{"rules":{}}"#,
    ])
    func validation(_ body: String) async throws {
        try await TestApp.with { app in
            let response = await app.request("POST", "/admin/collections", as: .admin, body: body)
            #expect(response.status == 400, "\(response.text)")
        }
    }

    @Test("admin list shows rules, indexes and counts; delete removes the records")
    func adminList() async throws {
        try await TestApp.with { app in
            _ = try await app.create("a", "{}")
            _ = try await app.create("a", "{}")
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"b"}"#).status == 201)
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"b"}"#).status == 409)
            let list = await app.request("GET", "/admin/collections", as: .admin)
            #expect(list.items.map { $0["name"] } == [.string("a"), .string("b")])
            #expect(list.items.map { $0["count"] } == [.int(2), .int(0)])
            var changes = app.service.ruleChanges.listen().makeAsyncIterator()
            #expect(await app.request("DELETE", "/admin/collections/a", as: .admin).status == 204)
            #expect(await changes.next() == "a")
            #expect(await app.request("GET", "/admin/collections/a", as: .admin).status == 404)
            #expect(try await app.query("SELECT count(*) FROM records") { $0.int64(0) } == [0])
            #expect(await app.request("DELETE", "/admin/collections/a", as: .admin).status == 404)
        }
    }

    @Test("changing the read rule signals ruleChanges; other changes do not")
    func ruleChangeSignal() async throws {
        try await TestApp.with { app in
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"a"}"#).status == 201)
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"b"}"#).status == 201)
            var changes = app.service.ruleChanges.listen().makeAsyncIterator()
            _ = await app.request("PATCH", "/admin/collections/a", as: .admin, body: #"{"rules":{"create":"admin"}}"#)
            _ = await app.request("PATCH", "/admin/collections/a", as: .admin, body: #"{"indexes":[{"fields":["z"]}]}"#)
            _ = await app.request("PATCH", "/admin/collections/b", as: .admin, body: #"{"rules":{"read":"owner"}}"#)
            _ = await app.request("PATCH", "/admin/collections/a", as: .admin, body: #"{"rules":{"read":"public"}}"#)
            // Only the last PATCH changed a read rule.
            #expect(await changes.next() == "a")
            #expect(app.service.rules(for: "a")?.read == .public)
            #expect(app.service.rules(for: "a")?.create == .admin)
        }
    }
}
