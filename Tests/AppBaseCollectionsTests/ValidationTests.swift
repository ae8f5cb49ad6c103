import AppBaseCore
import Testing
import AppBaseCollections

@Suite("Record bodies and names: JSON, shape, reserved keys, depth, size")
struct ValidationTests {
    @Test("invalid JSON → 400 invalid_json with the byte offset")
    func invalidJSON() async throws {
        try await TestApp.with { app in
            let response = await app.request("POST", "/db/collections/notes", as: .alice, body: #"{"a": 1,}"#)
            #expect(response.status == 400)
            #expect(response.errorCode == "invalid_json")
            #expect(response.json["error"]?["details"]?["offset"] == .int(8))
            let empty = await app.request("POST", "/db/collections/notes", as: .alice, body: "")
            #expect(empty.errorCode == "invalid_json")
        }
    }

    @Test("a body that is not an object → 400", arguments: ["[1]", "\"text\"", "12", "null", "true"])
    func nonObject(_ body: String) async throws {
        try await TestApp.with { app in
            let response = await app.request("POST", "/db/collections/notes", as: .alice, body: body)
            #expect(response.status == 400)
            #expect(response.errorCode == "validation_failed")
        }
    }

    @Test("top-level keys starting with _ or $ → 400; nested ones are data")
    func reservedKeys() async throws {
        try await TestApp.with { app in
            for body in [#"{"_x":1}"#, #"{"$where":"1"}"#, #"{"ok":1,"_":2}"#] {
                let response = await app.request("POST", "/db/collections/notes", as: .alice, body: body)
                #expect(response.status == 400, "\(body)")
                #expect(response.errorCode == "validation_failed")
            }
            let record = try await app.create("notes", #"{"nested":{"_x":1,"$y":2}}"#)
            let id = try #require(record["id"]?.stringValue)
            let patch = await app.request("PATCH", "/db/collections/notes/\(id)", as: .alice, body: #"{"$set":{"a":1}}"#)
            #expect(patch.status == 400)
        }
    }

    @Test("nesting deeper than 32 → 400 invalid_json; 32 is accepted")
    func depth() async throws {
        try await TestApp.with { app in
            func nested(_ depth: Int) -> String {
                String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
            }
            #expect(await app.request("POST", "/db/collections/notes", as: .alice, body: nested(32)).status == 201)
            let deep = await app.request("POST", "/db/collections/notes", as: .alice, body: nested(33))
            #expect(deep.status == 400)
            #expect(deep.errorCode == "invalid_json")
        }
    }

    @Test("a body over the limit → 413")
    func bodyLimit() async throws {
        try await TestApp.with({ $0.maxBodyBytes = 1024 }) { app in
            let big = #"{"a":""# + String(repeating: "x", count: 2000) + #""}"#
            let response = await app.request("POST", "/db/collections/notes", as: .alice, body: big)
            #expect(response.status == 413)
            #expect(response.errorCode == "payload_too_large")
        }
    }

    @Test("large bodies (parsed off the loop) round-trip")
    func largeBody() async throws {
        try await TestApp.with { app in
            let text = String(repeating: "0123456789", count: 50_000)
            let record = try await app.create("notes", #"{"blob":"\#(text)"}"#)
            #expect(record["blob"]?.stringValue == text)
        }
    }

    @Test("collection names follow ^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$",
          arguments: ["-x", "_x", "a.b", "a%20b", "%27%3B%20DROP", String(repeating: "a", count: 64), "%C3%A9"])
    func badNames(_ name: String) async throws {
        try await TestApp.with { app in
            let response = await app.request("POST", "/db/collections/\(name)", as: .alice, body: "{}")
            #expect(response.status == 400)
            #expect(response.errorCode == "bad_request")
        }
    }

    @Test("names are case-sensitive and may use - and _")
    func goodNames() async throws {
        try await TestApp.with { app in
            _ = try await app.create("Notes", "{}")
            _ = try await app.create("notes_2-b", "{}")
            _ = try await app.create(String(repeating: "a", count: 63), "{}")
            #expect(await app.request("GET", "/db/collections/notes", as: .alice).items.isEmpty)
            #expect(await app.request("GET", "/db/collections/Notes", as: .alice).items.count == 1)
        }
    }

    @Test("with implicit creation off, unknown collections are 404 until an admin creates them")
    func implicitOff() async throws {
        try await TestApp.with({ $0.implicitCollections = false }) { app in
            #expect(await app.request("POST", "/db/collections/notes", as: .alice, body: "{}").status == 404)
            #expect(await app.request("GET", "/db/collections/notes", as: .alice).status == 404)
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"notes"}"#).status == 201)
            #expect(await app.request("POST", "/db/collections/notes", as: .alice, body: "{}").status == 201)
        }
    }
}
