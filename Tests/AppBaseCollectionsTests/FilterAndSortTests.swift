import AppBaseCore
import Testing
import AppBaseSQLite
import AppBaseCollections

@Suite("List: filters, sorts, projection, count")
struct FilterAndSortTests {
    /// Five records of alice's with varied fields.
    static func seed(_ app: TestApp) async throws {
        let bodies = [
            #"{"title":"Apple pie","n":3,"tags":"a","meta":{"city":"Oslo","score":1.5},"done":true}"#,
            #"{"title":"banana","n":1,"meta":{"city":"Bergen"},"done":false}"#,
            #"{"title":"Cherry 🍒","n":2,"meta":{"city":"Oslo"},"done":null}"#,
            #"{"title":"e\u0301clair","n":10,"meta":{"city":"Ålesund"}}"#,
            #"{"title":"'; DROP TABLE records; --","n":-1}"#,
        ]
        for body in bodies {
            app.clock.advance(milliseconds: 10)
            _ = try await app.create("food", body)
        }
    }

    static func titles(_ response: TestResponse) -> [String] { response.items.compactMap { $0["title"]?.stringValue } }

    @Test("filters select with SQLite semantics", arguments: [
        ("n > 1", ["e\u{301}clair", "Cherry 🍒", "Apple pie"]),
        ("n >= 2 && n <= 3", ["Cherry 🍒", "Apple pie"]),
        (#"meta.city = "Oslo""#, ["Cherry 🍒", "Apple pie"]),
        (#"meta.city != "Oslo""#, ["'; DROP TABLE records; --", "e\u{301}clair", "banana"]),
        (#"title ~ "APPLE""#, ["Apple pie"]),
        ("done = true", ["Apple pie"]),
        ("done = null", ["'; DROP TABLE records; --", "e\u{301}clair", "Cherry 🍒"]),
        ("done exists", ["Cherry 🍒", "banana", "Apple pie"]),
        ("!(done exists)", ["'; DROP TABLE records; --", "e\u{301}clair"]),
        ("n in [1, 10]", ["e\u{301}clair", "banana"]),
        (#"meta.score > 1 || title = "banana""#, ["banana", "Apple pie"]),
        (#"title = "Cherry 🍒""#, ["Cherry 🍒"]),
        (#"title = "\u00e9clair""#, []),
        (#"meta.city = "Ålesund""#, ["e\u{301}clair"]),
        (#"title = "'; DROP TABLE records; --""#, ["'; DROP TABLE records; --"]),
        (#"title = '\"; DROP TABLE records; --'"#, []),
    ])
    func filters(_ filter: String, _ expected: [String]) async throws {
        try await TestApp.with { app in
            try await Self.seed(app)
            let response = await app.request("GET", "/db/collections/food?filter=\(QueryText.encode(filter))", as: .alice)
            #expect(response.status == 200, "\(response.text)")
            #expect(Self.titles(response) == expected)
            let count = try await app.query("SELECT count(*) FROM records") { $0.int64(0) }
            #expect(count == [5])
        }
    }

    @Test("bad filters → 400 invalid_filter naming the position", arguments: [
        ("n >", 3),
        ("title = 'unterminated", 8),
        ("n = 1 &&", 8),
        (#"title'); DROP TABLE records; -- = 1"#, 5),
        ("a..b = 1", 2),
        ("é = 1", 0),
        ("n = 1 OR 1 = 1", 6),
    ])
    func badFilters(_ filter: String, _ position: Int) async throws {
        try await TestApp.with { app in
            try await Self.seed(app)
            let response = await app.request("GET", "/db/collections/food?filter=\(QueryText.encode(filter))", as: .alice)
            #expect(response.status == 400)
            #expect(response.errorCode == "invalid_filter")
            #expect(response.json["error"]?["details"]?["position"] == .int(Int64(position)))
        }
    }

    @Test("sorts by data paths and system fields; ties break by id")
    func sorts() async throws {
        try await TestApp.with { app in
            try await Self.seed(app)
            let byN = await app.request("GET", "/db/collections/food?sort=n", as: .alice)
            #expect(byN.items.compactMap { $0["n"]?.intValue } == [-1, 1, 2, 3, 10])
            let byNDesc = await app.request("GET", "/db/collections/food?sort=-n", as: .alice)
            #expect(byNDesc.items.compactMap { $0["n"]?.intValue } == [10, 3, 2, 1, -1])
            let byCity = await app.request("GET", "/db/collections/food?sort=meta.city,-createdAt", as: .alice)
            #expect(Self.titles(byCity) == ["'; DROP TABLE records; --", "banana", "Cherry 🍒", "Apple pie", "e\u{301}clair"])
            let oldest = await app.request("GET", "/db/collections/food?sort=createdAt&limit=1", as: .alice)
            #expect(Self.titles(oldest) == ["Apple pie"])
            let bad = await app.request("GET", "/db/collections/food?sort=-", as: .alice)
            #expect(bad.status == 400)
            #expect(bad.errorCode == "invalid_sort")
        }
    }

    @Test("fields= projects id plus the named fields")
    func projection() async throws {
        try await TestApp.with { app in
            try await Self.seed(app)
            let response = await app.request("GET", "/db/collections/food?filter=n%3D3&fields=title,meta.city,version,missing.x",
                                             as: .alice)
            let item = try #require(response.items.first)
            let id = try #require(item["id"]?.stringValue)
            #expect(item == JSONValue.parse(#"{"id":"\#(id)","version":1,"title":"Apple pie","meta":{"city":"Oslo"}}"#))
            let one = await app.request("GET", "/db/collections/food/\(id)?fields=n", as: .alice)
            #expect(one.json == JSONValue.parse(#"{"id":"\#(id)","n":3}"#))
            let bad = await app.request("GET", "/db/collections/food?fields=a..b", as: .alice)
            #expect(bad.status == 400)
        }
    }

    @Test("count=true adds the total of the filter, not of the page")
    func count() async throws {
        try await TestApp.with { app in
            try await Self.seed(app)
            let response = await app.request("GET", "/db/collections/food?filter=n%3E0&limit=2&count=true", as: .alice)
            #expect(response.items.count == 2)
            #expect(response.json["total"] == .int(4))
            #expect(await app.request("GET", "/db/collections/food", as: .alice).json["total"] == nil)
            #expect(await app.request("GET", "/db/collections/food", as: .bob).json["total"] == nil)
            #expect(await app.request("GET", "/db/collections/food?count=true", as: .bob).json["total"] == .int(0))
        }
    }

    @Test("X-Change-Seq is the change sequence the list reflects")
    func changeSequence() async throws {
        try await TestApp.with { app in
            try await Self.seed(app)
            let response = await app.request("GET", "/db/collections/food", as: .alice)
            #expect(response.header("X-Change-Seq") == String(app.recorder.lastSequence))
            #expect(app.recorder.lastSequence == 5)
        }
    }

    @Test("limit: default, clamped to the maximum, refused when not positive")
    func limits() async throws {
        try await TestApp.with({ $0.defaultPageSize = 2; $0.maxPageSize = 3 }) { app in
            for _ in 0..<5 { _ = try await app.create("c", "{}") }
            #expect(await app.request("GET", "/db/collections/c", as: .alice).items.count == 2)
            #expect(await app.request("GET", "/db/collections/c?limit=100", as: .alice).items.count == 3)
            #expect(await app.request("GET", "/db/collections/c?limit=0", as: .alice).status == 400)
            #expect(await app.request("GET", "/db/collections/c?limit=x", as: .alice).status == 400)
        }
    }

    @Test("a query over its work budget → 400 query_too_expensive")
    func workBudget() async throws {
        try await TestApp.with({ $0.queryBudgetSteps = 5_000 }) { app in
            let operations = (0..<100).map { #"{"op":"create","collection":"big","data":{"n":\#($0),"pad":"\#(String(repeating: "x", count: 50))"}}"# }
            for _ in 0..<20 {
                let batch = await app.request("POST", "/db/batch", as: .alice, body: #"{"operations":[\#(operations.joined(separator: ","))]}"#)
                try #require(batch.status == 200)
            }
            let response = await app.request("GET", "/db/collections/big?filter=\(QueryText.encode(#"pad ~ "nothing""#))", as: .alice)
            #expect(response.status == 400)
            #expect(response.errorCode == "query_too_expensive")
            #expect(await app.request("GET", "/db/collections/big?limit=5", as: .alice).status == 200)
        }
    }
}

/// Percent-encoding for query values in tests.
enum QueryText {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}
