import AppBaseCore
import Testing

@Suite("ETag, If-Match and If-None-Match")
struct PreconditionTests {
    @Test("If-Match with the current version succeeds; a stale one → 412 version_conflict")
    func ifMatch() async throws {
        try await TestApp.with { app in
            let id = try #require(try await app.create("c", #"{"a":1}"#)["id"]?.stringValue)
            let first = await app.request("PATCH", "/db/collections/c/\(id)", as: .alice, body: #"{"a":2}"#, headers: [("If-Match", "\"1\"")])
            #expect(first.status == 200)
            #expect(first.header("ETag") == "\"2\"")
            let stale = await app.request("PUT", "/db/collections/c/\(id)", as: .alice, body: #"{"a":3}"#, headers: [("If-Match", "\"1\"")])
            #expect(stale.status == 412)
            #expect(stale.errorCode == "version_conflict")
            #expect(stale.json["error"]?["details"]?["version"] == .int(2))
            #expect(await app.request("GET", "/db/collections/c/\(id)", as: .alice).json["a"] == .int(2))
            let weakList = await app.request("PUT", "/db/collections/c/\(id)", as: .alice, body: #"{"a":4}"#,
                                             headers: [("If-Match", #"W/"9", "2""#)])
            #expect(weakList.status == 200)
            let star = await app.request("DELETE", "/db/collections/c/\(id)", as: .alice, headers: [("If-Match", "*")])
            #expect(star.status == 204)
        }
    }

    @Test("DELETE with a stale If-Match keeps the record")
    func staleDelete() async throws {
        try await TestApp.with { app in
            let id = try #require(try await app.create("c", "{}")["id"]?.stringValue)
            #expect(await app.request("DELETE", "/db/collections/c/\(id)", as: .alice, headers: [("If-Match", "\"2\"")]).status == 412)
            #expect(await app.request("GET", "/db/collections/c/\(id)", as: .alice).status == 200)
        }
    }

    @Test("a hidden record answers 404, not 412, whatever If-Match says")
    func hiddenBeforePrecondition() async throws {
        try await TestApp.with { app in
            let id = try #require(try await app.create("c", "{}")["id"]?.stringValue)
            let response = await app.request("PATCH", "/db/collections/c/\(id)", as: .bob, body: "{}", headers: [("If-Match", "\"5\"")])
            #expect(response.status == 404)
        }
    }

    @Test("If-None-Match with the current ETag → 304")
    func ifNoneMatch() async throws {
        try await TestApp.with { app in
            let id = try #require(try await app.create("c", "{}")["id"]?.stringValue)
            let cached = await app.request("GET", "/db/collections/c/\(id)", as: .alice, headers: [("If-None-Match", "\"1\"")])
            #expect(cached.status == 304)
            #expect(cached.header("ETag") == "\"1\"")
            #expect(await app.request("GET", "/db/collections/c/\(id)", as: .alice, headers: [("If-None-Match", "\"0\"")]).status == 200)
        }
    }
}
