import AppBaseCore
import AppBaseRuntime
import Testing

import AppBaseCollections
import OrderedCollections
import AppBaseSQLite

@Suite("Records: create, read, replace, merge, delete")
struct CRUDTests {
    @Test("create answers 201 with server fields, ETag, Location and X-Change-Seq")
    func create() async throws {
        try await TestApp.with { app in
            let response = await app.request("POST", "/db/collections/notes", as: .alice, body: #"{"title":"hi","n":1}"#)
            #expect(response.status == 201)
            let record = response.json
            let id = try #require(record["id"]?.stringValue)
            #expect(Identifier.isUUID(id))
            #expect(record["ownerId"] == .string(TestCaller.aliceID))
            #expect(record["version"] == .int(1))
            #expect(record["createdAt"]?.stringValue == Timestamp.rfc3339(milliseconds: app.clock.nowMilliseconds()))
            #expect(record["updatedAt"] == record["createdAt"])
            #expect(record["title"] == .string("hi"))
            #expect(response.header("ETag") == "\"1\"")
            #expect(response.header("Location") == "/db/collections/notes/\(id)")
            #expect(response.header("X-Change-Seq") == "1")
            // System fields first, then the data in the order written.
            #expect(response.text.hasPrefix(#"{"id":""#))
            #expect(response.text.hasSuffix(#","version":1,"title":"hi","n":1}"#))
        }
    }

    @Test("get serves exactly the bytes the write answered")
    func getIsByteIdentical() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/db/collections/notes", as: .alice, body: #"{"t":"é\n\"q\"","a":[1,2.5,{"b":null}]}"#)
            let id = try #require(created.json["id"]?.stringValue)
            let fetched = await app.request("GET", "/db/collections/notes/\(id)", as: .alice)
            #expect(fetched.status == 200)
            #expect(fetched.body == created.body)
            #expect(fetched.header("ETag") == "\"1\"")
        }
    }

    @Test("client copies of system fields are ignored, so GET-modify-PUT works")
    func systemFieldsIgnored() async throws {
        try await TestApp.with { app in
            let record = try await app.create("notes", #"{"id":"mine","ownerId":"x","version":99,"createdAt":"never","title":"a"}"#)
            let id = try #require(record["id"]?.stringValue)
            #expect(id != "mine")
            #expect(record["version"] == .int(1))
            #expect(record["ownerId"] == .string(TestCaller.aliceID))
            // PUT the whole fetched record back with a change.
            app.clock.advance(milliseconds: 5)
            var members = try #require(record.objectValue)
            members["title"] = .string("b")
            let put = await app.request("PUT", "/db/collections/notes/\(id)", as: .alice, body: JSONValue.object(members).jsonText)
            #expect(put.status == 200)
            #expect(put.json["version"] == .int(2))
            #expect(put.json["title"] == .string("b"))
            #expect(put.json["createdAt"] == record["createdAt"])
            #expect(put.json["updatedAt"] != record["updatedAt"])
            #expect(put.header("ETag") == "\"2\"")
        }
    }

    @Test("PUT replaces the data; PATCH merges per RFC 7396")
    func replaceAndMerge() async throws {
        try await TestApp.with { app in
            let record = try await app.create("notes", #"{"a":1,"b":{"c":2,"d":3},"e":[1]}"#)
            let id = try #require(record["id"]?.stringValue)
            let patched = await app.request("PATCH", "/db/collections/notes/\(id)", as: .alice,
                                            body: #"{"a":null,"b":{"c":20,"x":true},"e":{"k":"v"},"new":"n"}"#)
            #expect(patched.status == 200)
            #expect(patched.json == JSONValue.parse("""
                {"id":"\(id)","ownerId":"\(TestCaller.aliceID)","createdAt":\(record["createdAt"]!.jsonText),
                 "updatedAt":\(patched.json["updatedAt"]!.jsonText),"version":2,
                 "b":{"c":20,"d":3,"x":true},"e":{"k":"v"},"new":"n"}
                """))
            let fetched = await app.request("GET", "/db/collections/notes/\(id)", as: .alice)
            #expect(fetched.body == patched.body)
            let replaced = await app.request("PUT", "/db/collections/notes/\(id)", as: .alice, body: #"{"only":1}"#)
            #expect(replaced.json["only"] == .int(1))
            #expect(replaced.json["b"] == nil)
            #expect(replaced.json["version"] == .int(3))
        }
    }

    @Test("DELETE answers 204; the record is gone")
    func delete() async throws {
        try await TestApp.with { app in
            let id = try #require(try await app.create("notes", #"{"a":1}"#)["id"]?.stringValue)
            let deleted = await app.request("DELETE", "/db/collections/notes/\(id)", as: .alice)
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
            #expect(await app.request("GET", "/db/collections/notes/\(id)", as: .alice).status == 404)
            #expect(await app.request("DELETE", "/db/collections/notes/\(id)", as: .alice).status == 404)
            #expect(await app.request("PATCH", "/db/collections/notes/\(id)", as: .alice, body: "{}").status == 404)
        }
    }

    @Test("every write records its change in the same transaction, with full images")
    func changesRecorded() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/db/collections/notes", as: .alice, body: #"{"a":1}"#)
            let id = try #require(created.json["id"]?.stringValue)
            let patched = await app.request("PATCH", "/db/collections/notes/\(id)", as: .alice, body: #"{"a":2}"#)
            _ = await app.request("DELETE", "/db/collections/notes/\(id)", as: .alice)
            let changes = app.recorder.changes
            #expect(changes.map(\.action) == [.create, .update, .delete])
            #expect(changes[0].newImage == created.body && changes[0].oldImage == nil)
            #expect(changes[1].oldImage == created.body && changes[1].newImage == patched.body)
            #expect(changes[2].oldImage == patched.body && changes[2].newImage == nil)
            #expect(changes.allSatisfy { $0.recordID == id && $0.ownerID == TestCaller.aliceID && $0.collection == "notes" })
            #expect(patched.header("X-Change-Seq") == "2")
        }
    }

    @Test("a failing write records no change (rolled back with the record)")
    func failedWriteRecordsNothing() async throws {
        try await TestApp.with { app in
            let id = try #require(try await app.create("notes", #"{"a":1}"#)["id"]?.stringValue)
            let stale = await app.request("PUT", "/db/collections/notes/\(id)", as: .alice, body: "{}", headers: [("If-Match", "\"7\"")])
            #expect(stale.status == 412)
            #expect(app.recorder.changes.count == 1)
            let rows = try await app.query("SELECT count(*) FROM change_log") { $0.int64(0) }
            #expect(rows == [1])
        }
    }

    @Test("record writes publish audit events without contents")
    func auditEvents() async throws {
        try await TestApp.with { app in
            let subscription = app.bus.subscribe(name: "audit", capacity: 16, policy: .backpressure)
            let id = try #require(try await app.create("notes", #"{"secret":"s3cr3t"}"#)["id"]?.stringValue)
            var iterator = subscription.makeAsyncIterator()
            guard case .event(.audit(let event))? = await iterator.next() else {
                Issue.record("no audit event")
                return
            }
            #expect(event.action == "record.create")
            #expect(event.target == "notes/\(id)")
            #expect(event.actor.userID == TestCaller.aliceID)
            // The target names the record; record writes carry no details (ADR 0028).
            #expect(event.details.isEmpty)
            #expect(event.requestID != nil)
            #expect(!"\(event)".contains("s3cr3t"))
            subscription.cancel()
        }
    }
}
