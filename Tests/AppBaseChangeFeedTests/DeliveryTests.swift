import AppBaseCore
import AppBaseRuntime
import Testing
import AppBaseTestSupport

@Suite("SSE delivery: format, rules and filters per subscriber")
struct DeliveryTests {
    @Test("each stream's retry hint is the base plus its own jitter: within range, and not the same for all")
    func retryJitter() async throws {
        try await FeedTestApp.with { app in
            var hints: [Int] = []
            for _ in 0..<8 {
                let (client, opening) = try await app.subscribeReady()
                hints.append(try #require(opening.last(where: { $0.event == "ready" })?.retry))
                await client.close()
            }
            #expect(hints.allSatisfy { (2000...3000).contains($0) })
            // Eight draws from 1,001 values all equal would mean there is no jitter.
            #expect(Set(hints).count > 1)
        }
    }

    @Test("a stream opens with retry and ready (id = current sequence), then delivers changes with their sequence")
    func readyThenEvents() async throws {
        try await FeedTestApp.with { app in
            try await app.create("r0")
            let client = try await app.subscribe()
            #expect(client.status == 200)
            #expect(client.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(client.header("cache-control") == "no-cache")
            let ready = try #require(try await client.next())
            #expect(ready.event == "ready")
            #expect(ready.id == "1")
            // 2000 ms plus per-stream jitter of up to half again (see retryJitter).
            #expect((2000...3000).contains(ready.retry ?? 0))
            #expect(ready.json == JSONValue.parse(#"{"seq":1}"#))
            let (seq, image) = try await app.create("r1", #""n":1"#)
            let created = try #require(try await client.next())
            #expect(created.event == "create")
            #expect(created.seq == seq)
            #expect(created.data == #"{"action":"create","collection":"notes","record":\#(image)}"#)
            let updated = FeedTestApp.image("r1", version: 2, #""n":2"#)
            try await app.write(.update, "r1", old: image, new: updated)
            let update = try #require(try await client.next())
            #expect(update.event == "update")
            #expect(update.json["record"]?["n"] == .int(2))
            try await app.write(.delete, "r1", old: updated)
            let delete = try #require(try await client.next())
            #expect(delete.event == "delete")
            #expect(delete.json["record"]?["id"] == .string("r1"))
            #expect(delete.json["action"] == .string("delete"))
            await client.close()
        }
    }

    @Test("only the subscribed collection's changes arrive")
    func collectionScoped() async throws {
        try await FeedTestApp.with { app in
            let (client, _) = try await app.subscribeReady()
            try await app.create("elsewhere", collection: "other")
            let (seq, _) = try await app.create("here")
            let event = try #require(try await client.next())
            #expect(event.seq == seq)
            await client.close()
        }
    }

    @Test("the read rule is evaluated per subscriber (owner, authenticated, public, admin)")
    func rulesPerSubscriber() async throws {
        try await FeedTestApp.with { app in
            let (alice, _) = try await app.subscribeReady(as: .alice)
            let (bob, _) = try await app.subscribeReady(as: .bob)
            let (admin, _) = try await app.subscribeReady(as: .admin)
            try await app.create("a1", owner: TestCaller.aliceID)
            try await app.create("b1", owner: TestCaller.bobID)
            try await app.create("nobody", owner: nil)
            #expect(try await alice.next()?.json["record"]?["id"] == .string("a1"))
            #expect(try await bob.next()?.json["record"]?["id"] == .string("b1"))
            let adminIDs = [try await admin.next(), try await admin.next(), try await admin.next()].map { $0?.json["record"]?["id"] }
            #expect(adminIDs == [.string("a1"), .string("b1"), .string("nobody")])
            // The next event each owner sees is their own; nothing of the other's was queued before it.
            try await app.create("a2", owner: TestCaller.aliceID)
            try await app.create("b2", owner: TestCaller.bobID)
            #expect(try await alice.next()?.json["record"]?["id"] == .string("a2"))
            #expect(try await bob.next()?.json["record"]?["id"] == .string("b2"))
            for client in [alice, bob, admin] { await client.close() }
        }
    }

    @Test("subscribing checks the read rule like a list: 401 without a user, 403 for admin-only, public needs no user")
    func subscribeGate() async throws {
        try await FeedTestApp.with { app in
            let anonymous = try await app.subscribe(as: .anonymous)
            #expect(anonymous.status == 401)
            #expect(try await anonymous.errorBody()["error"]?["code"] == .string("missing_token"))
            app.rules.set(AccessRules(read: .admin), for: "admins")
            #expect(try await app.subscribe("admins", as: .alice).status == 403)
            #expect(try await app.subscribe("admins", as: .admin).status == 200)
            app.rules.set(AccessRules(read: .public), for: "open")
            let (open, _) = try await app.subscribeReady("open", as: .anonymous)
            try await app.create("x", collection: "open", owner: TestCaller.bobID)
            #expect(try await open.next()?.event == "create")
            #expect(try await app.subscribe("bad.name").status == 400)
            #expect(try await app.subscribe(query: "?filter=n%20%3E").status == 400)
            #expect(try await app.subscribe(query: "?since=-1").status == 400)
            #expect(try await app.subscribe(headers: [("Last-Event-ID", "abc")]).status == 400)
            await open.close()
        }
    }

    @Test("a filter selects events; updates entering the view arrive as create, leaving it as delete")
    func filterTransitions() async throws {
        try await FeedTestApp.with { app in
            let (client, _) = try await app.subscribeReady(query: "?filter=" + "n%20%3E%205")
            let low = FeedTestApp.image("r", version: 1, #""n":1"#)
            try await app.write(.create, "r", new: low)                                  // invisible
            let high = FeedTestApp.image("r", version: 2, #""n":7"#)
            let entered = try await app.write(.update, "r", old: low, new: high)         // enters → create
            let higher = FeedTestApp.image("r", version: 3, #""n":9"#)
            let stayed = try await app.write(.update, "r", old: high, new: higher)       // stays → update
            let back = FeedTestApp.image("r", version: 4, #""n":3"#)
            let left = try await app.write(.update, "r", old: higher, new: back)         // leaves → delete
            try await app.write(.delete, "r", old: back)                                 // invisible
            let (_, other) = try await app.create("s", #""n":6"#)
            let deleted = try await app.write(.delete, "s", old: other)                  // visible delete
            let events = try await client.events(until: { $0.seq == deleted })
            #expect(events.map(\.event) == ["create", "update", "delete", "create", "delete"])
            #expect(events.map(\.seq) == [entered, stayed, left, deleted - 1, deleted])
            #expect(events[2].json["record"]?["n"] == .int(3), "a record leaving the view comes with its new state")
            await client.close()
        }
    }

    @Test("filters on nested paths, system fields and odd Unicode evaluate as in SQL")
    func filterSemantics() async throws {
        try await FeedTestApp.with { app in
            let filter = #"meta.city = "Ålesund" || title ~ "CHERRY" || version >= 5"#
            let (client, _) = try await app.subscribeReady(query: "?filter=" + Percent.encode(filter))
            try await app.create("a", #""meta":{"city":"Ålesund"}"#)
            try await app.create("b", #""meta":{"city":"A\u030alesund"}"#)
            try await app.create("c", #""title":"cherry 🍒""#)
            try await app.write(.create, "d", new: FeedTestApp.image("d", version: 5))
            let events = try await client.events(until: { $0.json["record"]?["id"] == .string("d") })
            #expect(events.compactMap { $0.json["record"]?["id"]?.stringValue } == ["a", "c", "d"])
            await client.close()
        }
    }

    @Test("object keys match by bytes, as in SQL: KELVIN SIGN is not K")
    func keysCompareByBytes() async throws {
        try await FeedTestApp.with { app in
            let (client, _) = try await app.subscribeReady(query: "?filter=" + Percent.encode("K = 1"))
            // Over 16 members: the hashed lookup, whose `==` is canonical equivalence.
            let filler = (0..<20).map { #""f\#($0)":0"# }.joined(separator: ",")
            try await app.create("kelvin", #""\u212a":1,"# + filler)
            try await app.create("k", #""K":1"#)
            let events = try await client.events(until: { $0.json["record"]?["id"] == .string("k") })
            #expect(events.compactMap { $0.json["record"]?["id"]?.stringValue } == ["k"])
            await client.close()
        }
    }
}

/// Percent-encoding for query values.
enum Percent {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95 {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}
