import AppBaseCore
import Testing
import AppBaseSQLite

@Suite("POST /db/batch")
struct BatchTests {
    @Test("operations across collections apply in order, in one transaction")
    func success() async throws {
        try await TestApp.with { app in
            let existing = try #require(try await app.create("a", #"{"v":1}"#)["id"]?.stringValue)
            let doomed = try #require(try await app.create("b", #"{"v":1}"#)["id"]?.stringValue)
            let commitsBefore = app.writer.commitCount
            let response = await app.request("POST", "/db/batch", as: .alice, body: """
                {"operations":[
                  {"op":"create","collection":"a","data":{"n":1}},
                  {"op":"update","collection":"a","id":"\(existing)","data":{"v":2},"ifMatch":1},
                  {"op":"patch","collection":"a","id":"\(existing)","data":{"w":3},"ifMatch":"\\"2\\""},
                  {"op":"delete","collection":"b","id":"\(doomed)"},
                  {"op":"create","collection":"new-one","data":{}}
                ]}
                """)
            #expect(response.status == 200, "\(response.text)")
            let results = try #require(response.json["results"]?.arrayValue)
            #expect(results.map { $0["status"] } == [.int(201), .int(200), .int(200), .int(204), .int(201)])
            #expect(results[0]["record"]?["n"] == .int(1))
            #expect(results[2]["record"]?["v"] == .int(2))
            #expect(results[2]["record"]?["w"] == .int(3))
            #expect(results[2]["record"]?["version"] == .int(3))
            #expect(results[3]["record"] == nil)
            #expect(app.writer.commitCount == commitsBefore + 1)
            #expect(response.header("X-Change-Seq") == "7")
            #expect(app.recorder.changes.count == 7)
        }
    }

    @Test("a failing operation answers its own error with details.index, and nothing is applied",
          arguments: [
            (#"{"op":"update","collection":"a","id":"ID","data":{},"ifMatch":9}"#, 412, "version_conflict"),
            (#"{"op":"delete","collection":"a","id":"no-such-id"}"#, 404, "not_found"),
            (#"{"op":"patch","collection":"a","id":"ID","data":{"_x":1}}"#, 400, "validation_failed"),
            (#"{"op":"create","collection":"bad.name","data":{}}"#, 400, "bad_request"),
            (#"{"op":"upsert","collection":"a","data":{}}"#, 400, "validation_failed"),
            (#"{"op":"create","collection":"a","data":[]}"#, 400, "validation_failed"),
          ])
    func atomicFailure(_ failing: String, _ status: Int, _ code: String) async throws {
        try await TestApp.with { app in
            let id = try #require(try await app.create("a", #"{"v":1}"#)["id"]?.stringValue)
            let response = await app.request("POST", "/db/batch", as: .alice, body: """
                {"operations":[
                  {"op":"create","collection":"a","data":{"n":1}},
                  {"op":"patch","collection":"a","id":"\(id)","data":{"v":2}},
                  \(failing.replacingID(with: id)),
                  {"op":"create","collection":"a","data":{"n":3}}
                ]}
                """)
            #expect(response.status == status, "\(response.text)")
            #expect(response.errorCode == code)
            #expect(response.json["error"]?["details"]?["index"] == .int(2))
            let list = await app.request("GET", "/db/collections/a", as: .alice)
            #expect(list.items.count == 1)
            #expect(list.items.first?["v"] == .int(1))
            #expect(app.recorder.changes.count == 1)
            let logged = try await app.query("SELECT count(*) FROM change_log") { $0.int64(0) }
            #expect(logged == [1])
        }
    }

    @Test("a rule denial inside a batch rolls everything back")
    func deniedOperation() async throws {
        try await TestApp.with { app in
            let alices = try #require(try await app.create("a", "{}", as: .alice)["id"]?.stringValue)
            let response = await app.request("POST", "/db/batch", as: .bob, body: """
                {"operations":[{"op":"create","collection":"a","data":{}},{"op":"delete","collection":"a","id":"\(alices)"}]}
                """)
            #expect(response.status == 404)
            #expect(response.json["error"]?["details"]?["index"] == .int(1))
            #expect(await app.request("GET", "/db/collections/a", as: .bob).items.isEmpty)
        }
    }

    @Test("batch size and shape are checked", arguments: [
        #"{"operations":[]}"#, #"{"ops":[]}"#, #"[]"#, #"{"operations":[{"op":"create"}]}"#,
    ])
    func shape(_ body: String) async throws {
        try await TestApp.with { app in
            #expect(await app.request("POST", "/db/batch", as: .alice, body: body).status == 400)
        }
    }

    @Test("more than batchMaxOperations → 400")
    func tooMany() async throws {
        try await TestApp.with { app in
            let operations = Array(repeating: #"{"op":"create","collection":"a","data":{}}"#, count: 101).joined(separator: ",")
            let response = await app.request("POST", "/db/batch", as: .alice, body: #"{"operations":[\#(operations)]}"#)
            #expect(response.status == 400)
            let hundred = Array(repeating: #"{"op":"create","collection":"a","data":{}}"#, count: 100).joined(separator: ",")
            #expect(await app.request("POST", "/db/batch", as: .alice, body: #"{"operations":[\#(hundred)]}"#).status == 200)
        }
    }
}

extension String {
    /// This text with every `"ID"` replaced by `"<id>"`.
    func replacingID(with id: String) -> String {
        split(separator: "\"ID\"", omittingEmptySubsequences: false).joined(separator: "\"\(id)\"")
    }
}
