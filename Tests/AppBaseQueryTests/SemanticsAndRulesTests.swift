import AppBaseCore
import Testing

@testable import AppBaseQuery

/// The documented semantics, each checked in memory and in SQLite.
@Suite("Documented semantics and rule predicates")
struct SemanticsAndRulesTests {
    static let records: [JSONValue] = [
        makeRecord(id: "missing", data: [:]),
        makeRecord(id: "null", data: ["a": nil]),
        makeRecord(id: "true", data: ["a": true]),
        makeRecord(id: "one", data: ["a": 1]),
        makeRecord(id: "onePointZero", data: ["a": 1.0]),
        makeRecord(id: "text", data: ["a": "Hello World"]),
        makeRecord(id: "textOne", data: ["a": "1"]),
        makeRecord(id: "object", data: ["a": ["b": "hello"]]),
        makeRecord(id: "array", data: ["a": ["x", "y"]]),
    ]

    static let cases: [(String, Set<String>)] = [
        ("a = null", ["missing", "null"]),
        ("a != null", ["true", "one", "onePointZero", "text", "textOne", "object", "array"]),
        ("a exists", ["null", "true", "one", "onePointZero", "text", "textOne", "object", "array"]),
        ("a = 1", ["true", "one", "onePointZero"]),
        ("a = true", ["true", "one", "onePointZero"]),
        ("a != 1", ["missing", "null", "text", "textOne", "object", "array"]),
        ("!(a = 1)", ["missing", "null", "text", "textOne", "object", "array"]),
        ("!(a > 0)", ["missing", "null"]),
        ("a > 0", ["true", "one", "onePointZero", "text", "textOne", "object", "array"]),
        ("a < 'A'", ["true", "one", "onePointZero", "textOne"]),
        ("a ~ 'WORLD'", ["text"]),
        ("a ~ 'hello'", ["text"]),
        ("a ~ ''", ["text", "textOne"]),
        ("a ~ '1'", ["textOne"]),
        ("a = '[\"x\",\"y\"]'", ["array"]),
        ("a.b = 'hello'", ["object"]),
        ("a in [1, 'x', null]", ["missing", "null", "true", "one", "onePointZero"]),
        ("!(a in [1])", ["missing", "null", "text", "textOne", "object", "array"]),
        ("a in []", []),
        ("ownerId = 'u1' && version = 1.0", ["missing", "null", "true", "one", "onePointZero", "text", "textOne", "object", "array"]),
    ]

    @Test func semanticsMatchSQLite() throws {
        let database = try InMemoryDatabase()
        try database.createRecordsTable()
        for record in Self.records { try database.insert(record: record) }
        for (text, expected) in Self.cases {
            let filter = try Filter.parse(text)
            let inMemory = Set(Self.records.filter { FilterEvaluator.matches(filter, record: $0) }.compactMap { $0["id"]?.stringValue })
            let inSQL = Set(try database.ids(where: FilterCompiler.sql(for: filter)))
            #expect(inMemory == expected, "\(text) in memory")
            #expect(inSQL == expected, "\(text) in SQLite")
        }
    }

    @Test func nulCutAndExactNumericComparisons() throws {
        let records: [JSONValue] = [
            makeRecord(id: "nul", data: ["s": "x\u{0}y", "n": .int(.max)]),
            makeRecord(id: "plain", data: ["s": "x", "n": 9_007_199_254_740_993]),
            makeRecord(id: "real", data: ["s": "xy", "n": 9_007_199_254_740_992.0]),
        ]
        let database = try InMemoryDatabase()
        try database.createRecordsTable()
        for record in records { try database.insert(record: record) }
        let cases: [(String, Set<String>)] = [
            ("s = 'x'", ["nul", "plain"]),  // json_extract stops at the escaped NUL
            ("s = 'x\\u0000y'", []),
            ("s > 'x'", ["real"]),
            ("s ~ 'y'", ["real"]),
            ("s ~ 'X'", ["nul", "plain", "real"]),
            ("n > 9007199254740992.0", ["nul", "plain"]),  // exact, no rounding of the integer
            ("n = 9007199254740992", ["real"]),
            ("n < 9.223372036854775807e18", ["nul", "plain", "real"]),  // the real is 2^63, above Int64.max
            ("n >= 9.223372036854775807e18", []),
            ("n >= 9223372036854775807", ["nul"]),
        ]
        for (text, expected) in cases {
            let filter = try Filter.parse(text)
            let inMemory = Set(records.filter { FilterEvaluator.matches(filter, record: $0) }.compactMap { $0["id"]?.stringValue })
            #expect(inMemory == expected, "\(text) in memory")
            #expect(Set(try database.ids(where: FilterCompiler.sql(for: filter))) == expected, "\(text) in SQLite")
        }
        #expect(SortSpec.sortValues(of: records[0], for: try SortSpec.parse("s")) == [.text("x")])
    }

    @Test func ruleSQL() {
        #expect(RulePredicate.sql(for: .public, userId: nil) == nil)
        #expect(RulePredicate.sql(for: .authenticated, userId: "u1") == nil)
        #expect(RulePredicate.sql(for: .authenticated, userId: nil) == .alwaysFalse)
        #expect(RulePredicate.sql(for: .owner, userId: "u1") == SQLFragment(sql: "owner_id = ?", bindings: [.text("u1")]))
        #expect(RulePredicate.sql(for: .owner, ownerColumn: "uploader", userId: "u1")?.sql == "uploader = ?")
        #expect(RulePredicate.sql(for: .owner, userId: nil) == .alwaysFalse)
        #expect(RulePredicate.sql(for: .admin, userId: "u1") == .alwaysFalse)
        for rule in AccessRule.allCases { #expect(RulePredicate.sql(for: rule, userId: nil, isAdmin: true) == nil) }
    }

    @Test func ruleSQLAgreesWithAllows() throws {
        let database = try InMemoryDatabase()
        try database.createRecordsTable()
        let owners: [String?] = ["u1", "u2", nil, "'; DROP TABLE records; --"]
        for (index, owner) in owners.enumerated() { try database.insert(record: makeRecord(id: "r\(index)", ownerId: owner)) }
        for rule in AccessRule.allCases {
            for userId in [nil, "u1", "u3", "'; DROP TABLE records; --"] as [String?] {
                for isAdmin in [false, true] {
                    let fragment = RulePredicate.sql(for: rule, userId: userId, isAdmin: isAdmin) ?? .alwaysTrue
                    let inSQL = try database.ids(where: fragment)
                    let allowed = owners.enumerated()
                        .filter { RulePredicate.allows(rule, recordOwner: $0.element, userId: userId, isAdmin: isAdmin) }
                        .map { "r\($0.offset)" }
                    #expect(inSQL == allowed, "\(rule) \(String(describing: userId)) admin=\(isAdmin)")
                }
            }
        }
        #expect(try database.query("SELECT count(*) FROM records") == [[.int(4)]])
    }
}
