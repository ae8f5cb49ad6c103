import AppBaseCore
import Testing

@testable import AppBaseQuery

private func compile(_ text: String) throws -> SQLFragment {
    FilterCompiler.sql(for: try Filter.parse(text))
}

@Suite("Filter compiler")
struct FilterCompilerTests {
    @Test func comparisonsBindValues() throws {
        #expect(try compile("a.b = 'x'") == SQLFragment(sql: "json_extract(data, '$.a.b') = ?", bindings: [.text("x")]))
        #expect(try compile("a != 1.5") == SQLFragment(sql: "json_extract(data, '$.a') IS NOT ?", bindings: [.double(1.5)]))
        #expect(try compile("a = null") == SQLFragment(sql: "json_extract(data, '$.a') IS NULL"))
        #expect(try compile("a != null") == SQLFragment(sql: "json_extract(data, '$.a') IS NOT NULL"))
        #expect(try compile("a >= true") == SQLFragment(sql: "json_extract(data, '$.a') >= ?", bindings: [.int(1)]))
        #expect(try compile("createdAt < '2024'") == SQLFragment(sql: "created_at < ?", bindings: [.text("2024")]))
        #expect(try compile("version <= 3") == SQLFragment(sql: "version <= ?", bindings: [.int(3)]))
        #expect(try compile("ownerId = 'u1'") == SQLFragment(sql: "owner_id = ?", bindings: [.text("u1")]))
    }

    @Test func containsInExists() throws {
        #expect(try compile("name ~ 'AbÇ'") == SQLFragment(
            sql: "(json_type(data, '$.name') = 'text' AND instr(lower(json_extract(data, '$.name')), ?) > 0)",
            bindings: [.text("abÇ")]))
        #expect(try compile("id ~ 'R1'") == SQLFragment(sql: "(typeof(id) = 'text' AND instr(lower(id), ?) > 0)", bindings: [.text("r1")]))
        #expect(try compile("a in [1, 'x']") == SQLFragment(sql: "json_extract(data, '$.a') IN (?, ?)", bindings: [.int(1), .text("x")]))
        #expect(try compile("a in [null, 2]") == SQLFragment(
            sql: "(json_extract(data, '$.a') IN (?) OR json_extract(data, '$.a') IS NULL)", bindings: [.int(2)]))
        #expect(try compile("a in [null]") == SQLFragment(sql: "json_extract(data, '$.a') IS NULL"))
        #expect(try compile("a in []") == SQLFragment(sql: "0"))
        #expect(try compile("a.b exists") == SQLFragment(sql: "json_type(data, '$.a.b') IS NOT NULL"))
        #expect(try compile("ownerId exists") == SQLFragment(sql: "owner_id IS NOT NULL"))
    }

    @Test func booleanStructure() throws {
        #expect(try compile("!(a = 1 || b = 2) && c exists") == SQLFragment(
            sql: "((NOT ifnull((json_extract(data, '$.a') = ? OR json_extract(data, '$.b') = ?), 0)) AND json_type(data, '$.c') IS NOT NULL)",
            bindings: [.int(1), .int(2)]))
        #expect(FilterCompiler.sql(for: .and([])).sql == "1")
        #expect(FilterCompiler.sql(for: .or([])).sql == "0")
    }

    @Test func pathExpressionsMatchIndexText() throws {
        #expect(FilterCompiler.sqlExpression(forPath: try FieldPath("address.city")) == "json_extract(data, '$.address.city')")
        #expect(FilterCompiler.sqlExpression(forPath: try FieldPath("updatedAt")) == "updated_at")
        #expect(FilterCompiler.sqlExpression(forPath: try FieldPath("ownerId")) == "owner_id")
        #expect(throws: FilterError.self) { try FieldPath("a'b") }
        #expect(throws: FilterError.self) { try FieldPath("a b") }
        #expect(throws: FilterError.self) { try FieldPath("") }
        #expect(FieldPath(segments: ["a", "b"]) != nil)
        #expect(FieldPath(segments: ["a", "b'"]) == nil)
        #expect(FieldPath(segments: ["id", "b"]) == nil)
        #expect(FieldPath(segments: []) == nil)
    }

    @Test func expressionIndexesAreUsed() throws {
        let database = try InMemoryDatabase()
        try database.createRecordsTable()
        let path = try FieldPath("status.code")
        try database.query("CREATE INDEX by_status ON records(collection, \(FilterCompiler.sqlExpression(forPath: path)))")
        try database.query("CREATE INDEX by_created ON records(collection, created_at, id)")
        for (text, index) in [("status.code = 'open'", "by_status"), ("status.code in ['a', 'b']", "by_status"),
                              ("status.code > 3", "by_status"), ("createdAt >= '2024'", "by_created")] {
            let filter = FilterCompiler.sql(for: try Filter.parse(text))
            let plan = try database.query(
                "EXPLAIN QUERY PLAN SELECT id FROM records WHERE collection = ? AND \(filter.sql)", [.text("c")] + filter.bindings)
            let details = plan.compactMap { row -> String? in
                if case .text(let detail) = row.last { return detail }
                return nil
            }
            #expect(details.contains { $0.contains("INDEX \(index)") }, "\(text): \(details)")
        }
        // Keyset pages on the default sort range-scan the index in order: no sort step, no skipping.
        for sort in [SortSpec.default, try SortSpec.parse("createdAt")] {
            let cursor = SortCursor(values: [.text("2024-01-01T00:00:00.000Z")], id: "r5")
            guard let keyset = FilterCompiler.keysetPredicate(sort, after: cursor) else {
                Issue.record("no keyset predicate")
                continue
            }
            let plan = try database.query(
                "EXPLAIN QUERY PLAN SELECT id FROM records WHERE collection = ? AND \(keyset.sql) ORDER BY \(FilterCompiler.orderBy(sort)) LIMIT 20",
                [.text("c")] + keyset.bindings)
            let details = plan.compactMap { row -> String? in
                if case .text(let detail) = row.last { return detail }
                return nil
            }
            #expect(details.contains { $0.contains("INDEX by_created (collection=? AND created_at") }, "\(sort): \(details)")
            #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(sort): \(details)")
        }
    }

    @Test func sqlFragmentJoins() {
        let a = SQLFragment(sql: "a = ?", bindings: [.int(1)])
        let b = SQLFragment(sql: "b = ?", bindings: [.text("x")])
        #expect(SQLFragment.conjunction([a, b]) == SQLFragment(sql: "(a = ? AND b = ?)", bindings: [.int(1), .text("x")]))
        #expect(SQLFragment.disjunction([a, b]).sql == "(a = ? OR b = ?)")
        #expect(SQLFragment.conjunction([a]) == a)
        #expect(SQLFragment.conjunction([]) == .alwaysTrue)
        #expect(SQLFragment.disjunction([]) == .alwaysFalse)
    }

    @Test func injectionAttemptsStayValues() throws {
        let database = try InMemoryDatabase()
        try database.createRecordsTable()
        let payload = "'; DROP TABLE records; --"
        try database.insert(record: makeRecord(id: "r1", data: ["a": .string(payload), "b": "x"]))
        try database.insert(record: makeRecord(id: "r2", data: ["a": "y", "b": "x"]))
        for text in ["a = \"\(payload)\"", "a ~ \"\(payload)\"", "a in ['\\'; DROP TABLE records; --']", "id = \"\(payload)\" || a = \"\(payload)\""] {
            let filter = try Filter.parse(text)
            let fragment = FilterCompiler.sql(for: filter)
            #expect(!fragment.sql.contains("DROP"), "\(fragment.sql)")
            #expect(fragment.bindings.contains(.text(payload)) || fragment.bindings.contains(.text(payload.lowercased())))
            #expect(try database.ids(where: fragment) == ["r1"])
        }
        #expect(try database.query("SELECT count(*) FROM records") == [[.int(2)]])
        // As a path, the same text never gets past the lexer.
        #expect(filterError("\(payload) = 1")?.position == 0)
        #expect(filterError("a\(payload) = 1")?.position == 1)
    }

    @Test func oddStringsAreBoundByteExact() throws {
        let database = try InMemoryDatabase()
        try database.createRecordsTable()
        let values: [String] = ["\u{200F}abc\u{200E}", "👩🏽‍💻", "e\u{301}", "\u{E9}", "Ｆｕｌｌ", "tab\there", "quote\"'"]
        for (index, value) in values.enumerated() {
            try database.insert(record: makeRecord(id: "r\(index)", data: ["s": .string(value)]))
        }
        for (index, value) in values.enumerated() {
            let filter = try Filter.parse("s = \"\(value.replacingTab())\"")
            #expect(try database.ids(where: FilterCompiler.sql(for: filter)) == ["r\(index)"], "\(value)")
        }
        // Binary collation: the decomposed and precomposed é are different values.
        #expect(try database.ids(where: FilterCompiler.sql(for: try Filter.parse("s ~ 'e\u{301}'"))) == ["r2"])
        #expect(try database.ids(where: FilterCompiler.sql(for: try Filter.parse("s ~ '\u{E9}'"))) == ["r3"])
        #expect(try database.ids(where: FilterCompiler.sql(for: try Filter.parse("s ~ 'ｆｕｌｌ'"))).isEmpty)
    }
}

private extension String {
    func replacingTab() -> String {
        var out = ""
        for character in self { out += character == "\t" ? "\\t" : (character == "\"" ? "\\\"" : String(character)) }
        return out
    }
}
