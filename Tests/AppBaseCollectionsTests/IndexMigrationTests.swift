import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import Testing

@testable import AppBaseCollections
@testable import AppBaseQuery

/// ADR 0014: indexes declared before the query-index shape changed are rebuilt at start-up, and
/// the old shape's cost is measured beside the new one.
@Suite("Index shape migration and the selective filter's cost")
struct IndexMigrationTests {
    /// The index `(collection, <n>, id)` that ADR 0012's shape gave a declaration on `n`.
    static let oldShapeDDL = "CREATE INDEX \"rx_old_shape\" ON records (collection, json_extract(data, '$.n'), id)"

    /// Replaces every managed query index by the old shape, as a database from before ADR 0014 has.
    static func downgrade(_ app: TestApp) async throws {
        try await app.writer.write { write in
            let names = try write.connection.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'rx\\_%' ESCAPE '\\'") {
                $0.text(0)
            }
            for name in names { try write.connection.execute("DROP INDEX \"\(name)\"") }
            try write.connection.execute(Self.oldShapeDDL)
        }
    }

    static func managedIndexes(_ app: TestApp) async throws -> Set<String> {
        Set(try await app.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'rx%'") { $0.text(0) })
    }

    @Test("start-up rebuilds query indexes of the old shape into the shape the read rule calls for")
    func rebuildsOldShape() async throws {
        try await TestApp.with { app in
            try await QueryPlanTests.seed(app, count: 100, modulus: 10)
            let declared = IndexDefinition(fields: [try FieldPath("n")], unique: false)
            // `own` reads under the owner rule, `pub` under the public one (ADR 0047: one shape each).
            let wanted: Set<String> = [declared.queryIndex(collection: "pub", ownerScoped: false).name,
                                       declared.queryIndex(collection: "own", ownerScoped: true).name]
            #expect(try await Self.managedIndexes(app) == wanted)
            try await Self.downgrade(app)
            #expect(try await Self.managedIndexes(app) == ["rx_old_shape"])

            let restarted = CollectionService(environment: app.environment, settings: CollectionSettings(), recorder: app.recorder)
            try await restarted.start()
            #expect(try await Self.managedIndexes(app) == wanted)
            let ddl = try await app.query("SELECT sql FROM sqlite_master WHERE name = '\(declared.queryIndex(collection: "own", ownerScoped: true).name)'") {
                $0.text(0)
            }
            #expect(ddl.first?.contains("(collection, owner_id, json_extract(data, '$.n'), created_at, id)") == true, "\(ddl)")
        }
    }

    @Test("start-up drops the plain index an owner-rule collection had beside its owner-scoped one (ADR 0014 → 0047)")
    func dropsSecondShape() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/admin/collections", as: .admin,
                                            body: #"{"name":"c","rules":{"read":"owner"},"indexes":[{"fields":["n"]}]}"#)
            try #require(created.status == 201)
            let declared = IndexDefinition(fields: [try FieldPath("n")], unique: false)
            let ownerScoped = declared.queryIndex(collection: "c", ownerScoped: true).name
            #expect(try await Self.managedIndexes(app) == [ownerScoped])
            // The second shape ADR 0014 gave every owner-rule declaration.
            let plain = declared.queryIndex(collection: "c", ownerScoped: false)
            try await app.writer.write { try $0.connection.execute(plain.ddl) }
            #expect(try await Self.managedIndexes(app) == [ownerScoped, plain.name])

            let restarted = CollectionService(environment: app.environment, settings: CollectionSettings(), recorder: app.recorder)
            try await restarted.start()
            #expect(try await Self.managedIndexes(app) == [ownerScoped])
        }
    }

    @Test("changing the read rule to or from owner swaps the plain and owner-scoped shapes")
    func followsReadRule() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/admin/collections", as: .admin,
                                            body: #"{"name":"c","rules":{"read":"public"},"indexes":[{"fields":["n"]}]}"#)
            try #require(created.status == 201)
            let declared = IndexDefinition(fields: [try FieldPath("n")], unique: false)
            #expect(try await Self.managedIndexes(app) == [declared.queryIndex(collection: "c", ownerScoped: false).name])
            _ = await app.request("PATCH", "/admin/collections/c", as: .admin, body: #"{"rules":{"read":"owner"}}"#)
            #expect(try await Self.managedIndexes(app) == [declared.queryIndex(collection: "c", ownerScoped: true).name])
            _ = await app.request("PATCH", "/admin/collections/c", as: .admin, body: #"{"rules":{"read":"authenticated"}}"#)
            #expect(try await Self.managedIndexes(app) == [declared.queryIndex(collection: "c", ownerScoped: false).name])
        }
    }

    @Test("a unique declaration also gets a query index, and a filter on it searches that index")
    func uniqueHasQueryIndex() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/admin/collections", as: .admin,
                                            body: #"{"name":"users","rules":{"read":"public"},"indexes":[{"fields":["email"],"unique":true}]}"#)
            try #require(created.status == 201)
            let declared = IndexDefinition(fields: [try FieldPath("email")], unique: true)
            let plan = try await app.plan(of: app.listQuery("users", "filter=" + QueryString.percentEncode(#"email = "a@x""#),
                                                            caller: .anonymous))
            #expect(plan.contains("USING INDEX \(declared.queryIndex(collection: "users", ownerScoped: false).name)"), "\(plan)")
        }
    }

    /// Best of `rounds` in-process runs of the list query, in microseconds.
    static func timeList(_ app: TestApp, _ query: ListQuery, rounds: Int = 15) async throws -> Int {
        var best = Duration.seconds(3600)
        for _ in 0..<rounds {
            let clock = ContinuousClock()
            let start = clock.now
            _ = try await app.readers.read { connection in try ListPage.run(query, budget: 50_000_000, on: connection) }
            best = min(best, clock.now - start)
        }
        return Int(best.components.seconds * 1_000_000 + best.components.attoseconds / 1_000_000_000_000)
    }

    @Test("before/after: n = 42 (10 of 10,000) and a 500-row range under the default sort (printed, not asserted)")
    func selectiveFilterTiming() async throws {
        try await TestApp.with { app in
            // All records alice's, as in issue 13's measurement.
            try await QueryPlanTests.seed(app, count: 10_000, modulus: 1000)
            try await app.writer.write { write in
                try write.connection.run("UPDATE records SET owner_id = ?", [.text(TestCaller.aliceID)])
            }
            let cases = [("n = 42", "own", TestCaller.alice), ("n >= 500 && n < 550", "own", .alice),
                         ("n = 42", "pub", .anonymous), ("n >= 500 && n < 550", "pub", .anonymous)]
            var after: [Int] = []
            for (filter, collection, caller) in cases {
                let query = try app.listQuery(collection, "limit=50&filter=" + QueryString.percentEncode(filter), caller: caller)
                after.append(try await Self.timeList(app, query))
            }
            try await Self.downgrade(app)
            for (index, (filter, collection, caller)) in cases.enumerated() {
                var query = try app.listQuery(collection, "limit=50&filter=" + QueryString.percentEncode(filter), caller: caller)
                query.indexHint = nil
                let before = try await Self.timeList(app, query)
                print("[ADR 0014] \(collection) \(filter), default sort, limit 50: before \(before) µs, after \(after[index]) µs")
            }
        }
    }
}
