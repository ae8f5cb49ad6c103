import AppBaseCore
import Testing

@Suite("Keyset pagination and cursors")
struct PaginationTests {
    /// Follows `nextCursor` to the end, running `between` after each page; returns every id seen.
    static func pages(_ app: TestApp, _ query: String, between: (Int) async throws -> Void = { _ in }) async throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        var page = 0
        repeat {
            let target = "/db/collections/c?\(query)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let response = await app.request("GET", target, as: .alice)
            try #require(response.status == 200, "\(response.text)")
            ids += response.items.compactMap { $0["id"]?.stringValue }
            switch response.json["nextCursor"] {
            case .string(let next)?: cursor = next
            case .null?: cursor = nil
            default: throw TestAppError("nextCursor missing")
            }
            page += 1
            try await between(page)
        } while cursor != nil
        return ids
    }

    @Test("every record exactly once while new records arrive between pages (default sort)")
    func stableUnderInserts() async throws {
        try await TestApp.with { app in
            var original: [String] = []
            for index in 0..<25 {
                app.clock.advance(milliseconds: 1)
                original.append(try #require(try await app.create("c", #"{"i":\#(index)}"#)["id"]?.stringValue))
            }
            let seen = try await Self.pages(app, "limit=10") { page in
                for index in 0..<3 {
                    app.clock.advance(milliseconds: 1)
                    _ = try await app.create("c", #"{"new":\#(page * 10 + index)}"#)
                }
            }
            // Newest first; the records inserted after the first page are newer than the cursor.
            #expect(seen == Array(original.reversed()))
        }
    }

    @Test("sorting on a data field with ties and missing values, under concurrent inserts")
    func stableWithTies() async throws {
        try await TestApp.with { app in
            var original: Set<String> = []
            for index in 0..<40 {
                let body = index % 5 == 0 ? "{}" : #"{"group":\#(index % 3)}"#
                original.insert(try #require(try await app.create("c", body)["id"]?.stringValue))
            }
            let seen = try await Self.pages(app, "limit=7&sort=-group") { page in
                // Concurrent writers: a batch of inserts lands between every two pages.
                async let first = app.create("c", #"{"group":1,"late":\#(page)}"#)
                async let second = app.create("c", #"{"late":\#(page)}"#)
                _ = try await (first, second)
            }
            let fromOriginal = seen.filter { original.contains($0) }
            #expect(fromOriginal.count == 40)
            #expect(Set(fromOriginal) == original)
            #expect(Set(seen).count == seen.count, "no record twice")
            // The order is the sort's: groups descending, missing (NULL) last.
            let all = await app.request("GET", "/db/collections/c?limit=500&sort=-group", as: .alice)
            let groups = all.items.map { $0["group"]?.intValue }
            let present = groups.compactMap { $0 }
            #expect(present == present.sorted(by: >))
            #expect(groups.drop(while: { $0 != nil }).allSatisfy { $0 == nil })
        }
    }

    @Test("nextCursor is null on the last page, and on an exactly full last page")
    func lastPage() async throws {
        try await TestApp.with { app in
            for _ in 0..<4 { _ = try await app.create("c", "{}") }
            let first = await app.request("GET", "/db/collections/c?limit=2", as: .alice)
            let cursor = try #require(first.json["nextCursor"]?.stringValue)
            let second = await app.request("GET", "/db/collections/c?limit=2&cursor=\(cursor)", as: .alice)
            #expect(second.items.count == 2)
            #expect(second.json["nextCursor"] == .null)
            #expect(await app.request("GET", "/db/collections/c?limit=10", as: .alice).json["nextCursor"] == .null)
        }
    }

    @Test("a cursor only works with the filter, sort and collection it came from")
    func cursorBinding() async throws {
        try await TestApp.with { app in
            for index in 0..<4 { _ = try await app.create("c", #"{"n":\#(index)}"#) }
            let first = await app.request("GET", "/db/collections/c?limit=1&filter=n%3E0&sort=n", as: .alice)
            let cursor = try #require(first.json["nextCursor"]?.stringValue)
            // Same query written differently: same fingerprint.
            let same = await app.request("GET", "/db/collections/c?limit=1&filter=n%20%3E%20%200&sort=%2Bn&cursor=\(cursor)", as: .alice)
            #expect(same.status == 200)
            #expect(same.items.first?["n"] == .int(2))
            for other in ["filter=n%3E1&sort=n", "filter=n%3E0&sort=-n", "filter=n%3E0"] {
                let response = await app.request("GET", "/db/collections/c?limit=1&\(other)&cursor=\(cursor)", as: .alice)
                #expect(response.status == 400, "\(other)")
                #expect(response.errorCode == "invalid_cursor")
            }
            let elsewhere = await app.request("GET", "/db/collections/d?limit=1&filter=n%3E0&sort=n&cursor=\(cursor)", as: .alice)
            #expect(elsewhere.errorCode == "invalid_cursor")
            for garbage in ["x", "%21%21", "eyJ", String(repeating: "A", count: 9000)] {
                let response = await app.request("GET", "/db/collections/c?cursor=\(garbage)", as: .alice)
                #expect(response.errorCode == "invalid_cursor", "\(garbage.prefix(10))")
            }
        }
    }
}
