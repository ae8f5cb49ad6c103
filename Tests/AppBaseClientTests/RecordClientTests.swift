import AppBaseClient
import Foundation
import Testing

@Suite("Swift SDK: records")
struct RecordClientTests {
    @Test("create, get, update, patch and delete, with ifMatch")
    func crud() async throws {
        try await withServer { server in
            let (client, session) = try await server.signedInClient()
            let notes = client.db.collection("notes")
            let created = try await notes.create(["title": .string("first"), "n": .number(1)])
            #expect(created.version == 1)
            #expect(created.ownerId == session.user.id)
            #expect(created.data["title"] == .string("first"))

            let fetched = try await notes.get(created.id)
            #expect(fetched.raw == created.raw)

            let updated = try await notes.update(created.id, ["title": .string("second")], ifMatch: 1)
            #expect(updated.version == 2)
            #expect(updated.data["n"] == nil)

            let conflict = await #expect(throws: AppBaseError.self) {
                try await notes.update(created.id, ["title": .string("stale")], ifMatch: 1)
            }
            #expect(conflict?.code == "version_conflict")
            #expect(conflict?.status == 412)

            let patched = try await notes.patch(created.id, ["tag": JSONValue.string("x")], ifMatch: 2)
            #expect(patched.version == 3)
            #expect(patched.data["title"] == .string("second"))
            #expect(patched.data["tag"] == .string("x"))

            let staleDelete = await #expect(throws: AppBaseError.self) { try await notes.delete(created.id, ifMatch: 2) }
            #expect(staleDelete?.code == "version_conflict")
            try await notes.delete(created.id, ifMatch: 3)
            let gone = await #expect(throws: AppBaseError.self) { try await notes.get(created.id) }
            #expect(gone?.code == "not_found")
            #expect(gone?.status == 404)
        }
    }

    @Test("list with filter, sort, limit and cursor; all() reads every page")
    func listAndAll() async throws {
        try await withServer { server in
            let (client, _) = try await server.signedInClient()
            let items = client.db.collection("items")
            for index in 0..<7 {
                _ = try await items.create(["rank": .number(Double(index)), "even": .bool(index % 2 == 0)])
            }
            let first = try await items.list(filter: "even = true", sort: "rank", limit: 3, count: true)
            #expect(first.items.map { $0.data["rank"] } == [.number(0), .number(2), .number(4)])
            #expect(first.total == 4)
            #expect(first.changeSeq != nil)
            let cursor = try #require(first.nextCursor)
            let second = try await items.list(filter: "even = true", sort: "rank", limit: 3, cursor: cursor)
            #expect(second.items.map { $0.data["rank"] } == [.number(6)])
            #expect(second.nextCursor == nil)

            var ranks: [Double] = []
            for try await record in items.all(sort: "-rank", pageSize: 2) {
                if let rank = record.data["rank"]?.doubleValue { ranks.append(rank) }
            }
            #expect(ranks == [6, 5, 4, 3, 2, 1, 0])

            let bad = await #expect(throws: AppBaseError.self) { try await items.list(filter: "rank >>> 1") }
            #expect(bad?.code == "invalid_filter")
            #expect(bad?.details?["position"] != nil)
        }
    }

    @Test("Codable records round-trip, with the raw JSON alongside")
    func codableRoundTrip() async throws {
        try await withServer { server in
            let (client, _) = try await server.signedInClient()
            let notes = client.db.collection("typed", as: Note.self)
            let note = Note(title: "Ünïcode ✓ \"quoted\"", tags: ["a", "b"], done: false, meta: Note.Meta(city: "Oran", rating: 4.5))
            let created = try await notes.create(note)
            #expect(created.data == note)
            let fetched = try await notes.get(created.id)
            #expect(fetched.data == note)
            #expect(fetched.raw["id"] == .string(created.id))
            #expect(fetched.raw["meta"]?["city"] == .string("Oran"))

            var changed = note
            changed.done = true
            changed.meta = nil
            let updated = try await notes.update(created.id, changed, ifMatch: created.version)
            #expect(updated.data == changed)

            // A record encodes back to the JSON it was read from.
            let encoded = try JSONEncoder().encode(updated)
            let decoded = try JSONDecoder().decode(Record<Note>.self, from: encoded)
            #expect(decoded.raw == updated.raw)
            #expect(decoded.data == changed)
            #expect(try decoded.decoded(as: JSONObject.self).data["done"] == .bool(true))

            let page = try await notes.list()
            #expect(page.items.map(\.data) == [changed])
        }
    }

    @Test("batch writes atomically; a failing operation names its index and applies nothing")
    func batch() async throws {
        try await withServer { server in
            let (client, _) = try await server.signedInClient()
            let existing = try await client.db.collection("b").create(["v": .number(1)])
            let result = try await client.db.batch([
                .create(in: "b", ["v": 2]),
                .patch(in: "b", id: existing.id, ["w": true], ifMatch: 1),
                .delete(in: "b", id: existing.id, ifMatch: 2),
            ])
            #expect(result.results.map(\.status) == [201, 200, 204])
            #expect(result.results[0].record?.data["v"] == .number(2))
            #expect(result.changeSeq != nil)

            let before = try await client.db.collection("b").list(count: true).total
            let error = await #expect(throws: AppBaseError.self) {
                try await client.db.batch([.create(in: "b", ["v": 3]), .delete(in: "b", id: existing.id)])
            }
            #expect(error?.code == "not_found")
            #expect(error?.details?["index"] == .number(1))
            #expect(try await client.db.collection("b").list(count: true).total == before)
        }
    }
}
