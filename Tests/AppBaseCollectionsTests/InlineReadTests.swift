import AppBaseCore
import AppBaseHTTP
import Testing

/// GET by id is answered on the loop (an inline point read) without a task, with the answers of
/// the reader-thread path (CRUDTests cover those): 200 with ETag, 304, 404 for missing or hidden records.
@Suite("Inline point reads")
struct InlineReadTests {
    @Test("a get by id is decided at dispatch: 200 with ETag, 304 on a matching If-None-Match, 404 when hidden or missing")
    func answeredAtDispatch() async throws {
        try await TestApp.with { app in
            let created = try await app.create("notes", #"{"title":"inline"}"#)
            let id = try #require(created["id"]?.stringValue)
            func decision(_ target: String, as caller: TestCaller, headers: [(String, String)] = []) -> HTTPResponse? {
                if case .respond(let response) = app.router.dispatch(app.requestValue("GET", target, as: caller, headers: headers)) {
                    return response
                }
                return nil
            }
            let found = try #require(decision("/db/collections/notes/\(id)", as: .alice), "not answered inline")
            #expect(found.status == 200)
            let etag = try #require(found.headers["etag"])
            guard case .bytes(let body) = found.body else { Issue.record("no body"); return }
            let record = try JSONParser.parse(body, maxDepth: 64)
            #expect(record["title"]?.stringValue == "inline")
            #expect(decision("/db/collections/notes/\(id)", as: .alice, headers: [("If-None-Match", etag)])?.status == 304)
            // Owner-only by default: bob's read is a 404, like a missing record's.
            #expect(decision("/db/collections/notes/\(id)", as: .bob)?.status == 404)
            #expect(decision("/db/collections/notes/missing", as: .alice)?.status == 404)
        }
    }
}
