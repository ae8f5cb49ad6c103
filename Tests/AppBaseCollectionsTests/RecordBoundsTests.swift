import AppBaseCollections
import AppBaseCore
import Testing
import AppBaseSQLite

@Suite("Bounded records and list pages")
struct RecordBoundsTests {
    /// `{"blob":"xxx…"}` whose JSON text is exactly `bytes` long.
    static func record(bytes: Int, key: String = "blob") -> String {
        let overhead = #"{"":""}"#.utf8.count + key.utf8.count
        return #"{"\#(key)":"\#(String(repeating: "x", count: bytes - overhead))"}"#
    }

    static func storedData(_ app: TestApp, _ id: String) async throws -> Int {
        try await app.query("SELECT length(CAST(data AS BLOB)) FROM records WHERE id = '\(id)'") { Int($0.int64(0)) }.first ?? -1
    }

    @Test("a create or PUT beyond the record limit is 413 and writes nothing")
    func createAndReplaceAreBounded() async throws {
        try await TestApp.with({ $0.maxRecordBytes = 1000; $0.maxBodyBytes = 4000 }) { app in
            let tooBig = await app.request("POST", "/db/collections/c", as: .alice, body: Self.record(bytes: 1001))
            #expect(tooBig.status == 413, "\(tooBig.text)")
            #expect(tooBig.errorCode == "payload_too_large")
            #expect(tooBig.json["error"]?["details"]?["limit"] == 1000)
            let fits = try await app.create("c", Self.record(bytes: 1000))
            let id = try #require(fits["id"]?.stringValue)
            let replaced = await app.request("PUT", "/db/collections/c/\(id)", as: .alice, body: Self.record(bytes: 1001))
            #expect(replaced.status == 413)
            #expect(try await Self.storedData(app, id) == 1000)
            let count = try await app.query("SELECT count(*) FROM records") { $0.int64(0) }
            #expect(count == [1])
        }
    }

    @Test("PATCHes cannot grow a record past the limit: the merge that would is 413 and rolled back")
    func patchResultIsBounded() async throws {
        try await TestApp.with({ $0.maxRecordBytes = 1000 }) { app in
            let id = try #require(try await app.create("c", Self.record(bytes: 400, key: "a"))["id"]?.stringValue)
            let second = await app.request("PATCH", "/db/collections/c/\(id)", as: .alice, body: Self.record(bytes: 400, key: "b"))
            #expect(second.status == 200, "\(second.text)")
            let third = await app.request("PATCH", "/db/collections/c/\(id)", as: .alice, body: Self.record(bytes: 400, key: "c"))
            #expect(third.status == 413, "\(third.text)")
            #expect(third.errorCode == "payload_too_large")
            let stored = await app.request("GET", "/db/collections/c/\(id)", as: .alice)
            #expect(stored.json["version"] == 2)
            #expect(stored.json["c"] == nil)
            // Replacing a member keeps the size: still allowed.
            let same = await app.request("PATCH", "/db/collections/c/\(id)", as: .alice, body: Self.record(bytes: 400, key: "b"))
            #expect(same.status == 200)
        }
    }

    @Test("a batch whose one operation would exceed the limit applies nothing")
    func batchIsBounded() async throws {
        try await TestApp.with({ $0.maxRecordBytes = 1000 }) { app in
            let id = try #require(try await app.create("c", Self.record(bytes: 600, key: "a"))["id"]?.stringValue)
            let patch = Self.record(bytes: 600, key: "b")
            let body = #"{"operations":[{"op":"create","collection":"c","data":{"n":1}},"#
                + #"{"op":"patch","collection":"c","id":"\#(id)","data":\#(patch)}]}"#
            let response = await app.request("POST", "/db/batch", as: .alice, body: body)
            #expect(response.status == 413, "\(response.text)")
            #expect(response.json["error"]?["details"]?["index"] == 1)
            let count = try await app.query("SELECT count(*) FROM records") { $0.int64(0) }
            #expect(count == [1])
            #expect(try await Self.storedData(app, id) == 600)
        }
    }

    @Test("a list page ends once its items pass the byte budget; the cursor continues; one item always goes out")
    func pagesAreBoundedByBytes() async throws {
        try await TestApp.with({ $0.pageByteBudget = 2500 }) { app in
            var created: [String] = []
            for _ in 0..<7 {
                app.clock.advance(milliseconds: 1)
                created.append(try #require(try await app.create("c", Self.record(bytes: 1000))["id"]?.stringValue))
            }
            var pageSizes: [Int] = []
            let ids = try await PaginationTests.pages(app, "limit=100") { _ in }
            #expect(ids == created.reversed())  // newest first
            // Each item is a little over 1,000 bytes, so a page holds three (the third passes 2,500).
            var cursor: String?
            for _ in 0..<5 {
                let target = "/db/collections/c?limit=100" + (cursor.map { "&cursor=\($0)" } ?? "")
                let response = await app.request("GET", target, as: .alice)
                pageSizes.append(response.items.count)
                guard case .string(let next)? = response.json["nextCursor"] else { break }
                cursor = next
            }
            #expect(pageSizes == [3, 3, 1])
        }
        try await TestApp.with({ $0.pageByteBudget = 10 }) { app in
            _ = try await app.create("c", Self.record(bytes: 1000))
            _ = try await app.create("c", Self.record(bytes: 1000))
            let ids = try await PaginationTests.pages(app, "limit=100")
            #expect(ids.count == 2)
        }
    }
}
