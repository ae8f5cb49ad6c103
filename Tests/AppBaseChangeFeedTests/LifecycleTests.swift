import AppBaseCore
import AppBaseRuntime
import AppBaseTestSupport
import Testing
import AppBaseChangeFeed

@Suite("Stream endings: revocation, expiry, rule changes, slow consumers, caps, heartbeats, shutdown")
struct LifecycleTests {
    @Test("a revoked session ends its streams with auth_revoked; other users' streams go on")
    func sessionRevoked() async throws {
        try await FeedTestApp.with { app in
            let (alice, _) = try await app.subscribeReady(as: .alice)
            let (bob, _) = try await app.subscribeReady(as: .bob)
            app.identities.revoke("s-alice", code: .sessionRevoked)
            let last = try await alice.drain()
            #expect(last.map(\.event) == ["auth_revoked"])
            #expect(last.first?.json == JSONValue.parse(#"{"code":"session_revoked"}"#))
            let (seq, _) = try await app.create("b", owner: TestCaller.bobID)
            #expect(try await bob.next()?.seq == seq)
            await bob.close()
        }
    }

    @Test("a disabled user and a revoked key end their streams too", arguments: [
        ("user:user-alice", ErrorCode.userDisabled), ("key:key-client", ErrorCode.invalidAPIKey),
    ])
    func otherRevocations(_ what: String, _ code: ErrorCode) async throws {
        try await FeedTestApp.with { app in
            let (alice, _) = try await app.subscribeReady(as: .alice)
            let (admin, _) = try await app.subscribeReady(as: .admin)
            app.identities.revoke(what, code: code)
            let last = try await alice.drain()
            #expect(last.map(\.event) == ["auth_revoked"])
            #expect(last.first?.json["code"] == .string(code.rawValue))
            try await app.create("still")
            #expect(try await admin.next()?.event == "create")
            await admin.close()
        }
    }

    @Test("a stream ends with auth_expired when its token expires")
    func tokenExpiry() async throws {
        try await FeedTestApp.with { app in
            let expiresAt = app.clock.nowSeconds() + 30
            let (alice, _) = try await app.subscribeReady(headers: [("X-Test-Expires", String(expiresAt))])
            try await app.create("before")
            #expect(try await alice.next()?.event == "create")
            app.clock.advance(seconds: 31)
            let last = try await alice.drain()
            #expect(last.map(\.event) == ["auth_expired"])
            #expect(last.first?.json == JSONValue.parse(#"{"code":"token_expired"}"#))
        }
    }

    @Test("changing the collection's read rule ends its streams with auth_revoked")
    func ruleChange() async throws {
        try await FeedTestApp.with { app in
            let (notes, _) = try await app.subscribeReady(as: .alice)
            let (other, _) = try await app.subscribeReady("other", as: .alice)
            app.rules.set(AccessRules(create: .admin), for: "notes")   // read rule unchanged
            app.rules.set(AccessRules(read: .authenticated), for: "notes")
            let last = try await notes.drain()
            #expect(last.map(\.event) == ["auth_revoked"])
            #expect(last.first?.json["code"] == .string("rules_changed"))
            try await app.create("o", collection: "other")
            #expect(try await other.next()?.event == "create")
            await other.close()
        }
    }

    @Test("a revocation not yet heard when the stream registers still ends it at once, before ready")
    func revokedBeforeRegistration() async throws {
        try await FeedTestApp.with { app in
            app.identities.revoke("s-alice", code: .sessionRevoked, signal: false)
            let alice = try await app.subscribe(as: .alice)
            #expect(alice.status == 200)
            let events = try await alice.drain()
            #expect(events.map(\.event) == ["auth_revoked"])
            #expect(events.first?.json["code"] == .string("session_revoked"))
        }
    }

    @Test("a revocation whose signal was lost ends the stream at its next change")
    func revokedWithoutSignal() async throws {
        try await FeedTestApp.with { app in
            let (alice, _) = try await app.subscribeReady(as: .alice)
            app.identities.revoke("key:key-client", code: .invalidAPIKey, signal: false)
            try await app.create("after")
            let events = try await alice.drain()
            #expect(events.map(\.event) == ["auth_revoked"])
            #expect(events.first?.json["code"] == .string("invalid_api_key"))
        }
    }

    @Test("a stream's identity is asked about again only after the validator's version moved")
    func identityCheckedOncePerVersion() async throws {
        try await FeedTestApp.with { app in
            let (alice, _) = try await app.subscribeReady(as: .alice)
            let afterRegistration = app.identities.revalidations
            for index in 0..<5 { try await app.create("quiet \(index)") }
            for _ in 0..<5 { #expect(try await alice.next()?.event == "create") }
            #expect(app.identities.revalidations == afterRegistration)
            // Someone else's session: the version moves, alice's stream is asked about once more.
            app.identities.revoke("s-bob", code: .sessionRevoked, signal: false)
            try await app.create("after bob")
            #expect(try await alice.next()?.event == "create")
            #expect(app.identities.revalidations == afterRegistration + 1)
            try await app.create("still quiet")
            #expect(try await alice.next()?.event == "create")
            #expect(app.identities.revalidations == afterRegistration + 1)
            await alice.close()
        }
    }

    @Test("a rule change whose signal was lost ends the stream at the next tick")
    func ruleChangeWithoutSignal() async throws {
        try await FeedTestApp.with { app in
            let (notes, _) = try await app.subscribeReady(as: .alice)
            app.rules.set(AccessRules(read: .authenticated), for: "notes", signal: false)
            let events = try await notes.drain()
            #expect(events.map(\.event) == ["auth_revoked"])
            #expect(events.first?.json["code"] == .string("rules_changed"))
        }
    }

    @Test("a slow consumer's stream is closed; everyone else gets every event",
          arguments: [(events: 8, bytes: Int.max), (events: 100_000, bytes: 256 << 10)])
    func slowConsumer(bound: (events: Int, bytes: Int)) async throws {
        // Either bound alone closes it: 8 events, or 256 KiB of events (with no event bound).
        try await FeedTestApp.with({ $0.subscriberBuffer = bound.events; $0.subscriberBufferBytes = bound.bytes }) { app in
            let slow = try await app.subscribe(receiveBuffer: 4096)
            #expect(slow.status == 200)
            let (fast, _) = try await app.subscribeReady(as: .alice)
            // 120 × 64 KiB is about twice what the socket buffers, the connection's queue and the
            // subscriber's buffer (8 events, or 256 KiB) hold for a client that stopped reading.
            let events = 120
            let pad = String(repeating: "x", count: 64 * 1024)
            var fastSeen = 0
            for index in 0..<events {
                let seq = try await app.create("r\(index)", #""pad":"\#(pad)""#).seq
                // The fast client keeps up with the writer; the slow one never reads.
                if try await fast.next()?.seq == seq { fastSeen += 1 }
            }
            #expect(fastSeen == events)
            // The slow stream was closed by the server: reading what reached its socket ends early.
            let slowEvents = try await slow.drain()
            let delivered = slowEvents.filter { $0.event == "create" }.count
            #expect(delivered < events)
            #expect(await app.service.openStreamCount() == 1)
            // It can resume from its last event and get the rest.
            let lastID = try #require(slowEvents.last(where: { $0.id != nil })?.id)
            let (resumed, replay) = try await app.subscribeReady(headers: [("Last-Event-ID", lastID)])
            #expect(replay.filter { $0.event == "create" }.count == events - delivered)
            await resumed.close()
            await fast.close()
        }
    }

    @Test("streams per user and per IP are capped → 429 rate_limited")
    func caps() async throws {
        try await FeedTestApp.with({ $0.maxStreamsPerUser = 2; $0.maxStreamsPerIP = 3 }) { app in
            let first = try await app.subscribe(as: .alice)
            let second = try await app.subscribe(as: .alice)
            let third = try await app.subscribe(as: .alice)
            #expect(first.status == 200 && second.status == 200)
            #expect(third.status == 429)
            #expect(third.header("retry-after") != nil)
            #expect(try await third.errorBody()["error"]?["code"] == .string("rate_limited"))
            let bobs = try await app.subscribe(as: .bob)
            #expect(bobs.status == 200)
            #expect(try await app.subscribe(as: .admin).status == 429, "fourth from this address")
            #expect(try await app.subscribe(as: .admin, headers: [("X-Test-IP", "10.0.0.9")]).status == 200)
            // Closing a stream frees its place, once the server has seen the close (no event
            // tells the client when: retry until it does; the deadline only bounds a hang).
            await first.close()
            let reopened = try await eventually(interval: .milliseconds(20)) {
                let again = try await app.subscribe(as: .alice)
                await again.close()
                return again.status == 200
            }
            #expect(reopened)
        }
    }

    @Test("a quiet, filtered stream gets heartbeats carrying the sequence evaluated so far")
    func heartbeats() async throws {
        try await FeedTestApp.with({ $0.heartbeatSeconds = 1 }) { app in
            let (client, _) = try await app.subscribeReady(query: "?filter=" + Percent.encode(#"n = "never""#))
            var written: Int64 = 0
            for index in 0..<3 { written = try await app.create("r\(index)", #""n":1"#).seq }
            let last = written
            let heartbeat = try #require(try await client.events(until: { $0.event == "heartbeat" && $0.seq == last }, heartbeats: true).last)
            #expect(heartbeat.json == JSONValue.parse(#"{"seq":\#(last)}"#))
            await client.close()
        }
    }

    @Test("a quiet stream's heartbeat position advances past changes on other collections")
    func heartbeatsAdvanceOnOtherCollections() async throws {
        try await FeedTestApp.with({ $0.heartbeatSeconds = 1 }) { app in
            let (client, ready) = try await app.subscribeReady()
            let start = try #require(ready.last?.seq)
            var written: Int64 = 0
            for index in 0..<20 { written = try await app.create("b\(index)", collection: "b").seq }
            let last = written
            #expect(last > start)
            let events = try await client.events(until: { $0.event == "heartbeat" && $0.seq == last }, heartbeats: true)
            #expect(events.allSatisfy { $0.event == "heartbeat" })
            #expect(events.last?.json == JSONValue.parse(#"{"seq":\#(last)}"#))
            await client.close()
        }
    }

    @Test("shutdown ends every stream; new subscriptions are refused")
    func shutdown() async throws {
        try await FeedTestApp.with { app in
            let (client, _) = try await app.subscribeReady()
            await app.service.shutdown()
            #expect(try await client.drain().isEmpty)
            #expect(await app.service.openStreamCount() == 0)
            #expect(try await app.subscribe().status == 503)
        }
    }
}
