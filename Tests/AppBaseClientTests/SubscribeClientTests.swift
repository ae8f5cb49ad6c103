import AppBaseClient
import AppBaseTestSupport
import Foundation
import Testing

@Suite("Swift SDK: subscriptions")
struct SubscribeClientTests {
    @Test("list then subscribe(since:) loses nothing written in between")
    func gaplessAfterList() async throws {
        try await withServer { server in
            let (client, _) = try await server.signedInClient()
            let notes = client.db.collection("notes")
            _ = try await notes.create(["n": .number(1)])
            let page = try await notes.list()
            #expect(page.items.count == 1)
            // Written after the list and before the subscription: must still arrive.
            let between = try await notes.create(["n": .number(2)])
            var changes = notes.subscribe(since: page.changeSeq).makeAsyncIterator()
            let replayed = try await nextRecords(1, from: &changes)
            #expect(replayed.map { $0.record?.id } == [between.id])
            let live = try await notes.create(["n": .number(3)])
            let next = try await nextRecords(1, from: &changes)
            guard case .created(let record, _)? = next.first else {
                Issue.record("expected a create, got \(next)")
                return
            }
            #expect(record.id == live.id)
            #expect(record.data["n"] == .number(3))
        }
    }

    @Test("updates, deletes and filters arrive as their kinds")
    func kinds() async throws {
        try await withServer { server in
            var live = try await SubscribedNotes(on: server, filter: "open = true")
            let notes = live.notes
            let created = try await notes.create(["open": .bool(true)])
            _ = try await notes.create(["open": .bool(false)])
            _ = try await notes.patch(created.id, ["note": JSONValue.string("edited")])
            try await notes.delete(created.id)
            let received = try await nextRecords(3, from: &live.changes)
            let kinds = received.map { change -> String in
                switch change {
                case .created: "create"
                case .updated: "update"
                case .deleted: "delete"
                case .ready, .reset: "other"
                }
            }
            #expect(kinds == ["create", "update", "delete"])
            #expect(received.allSatisfy { $0.record?.id == created.id })
        }
    }

    @Test("a position the server cannot replay from arrives as reset, then the stream goes live")
    func resetOnFuturePosition() async throws {
        try await withServer { server in
            let (client, _) = try await server.signedInClient()
            let notes = client.db.collection("notes")
            let seq = try #require(try await notes.list().changeSeq)
            var changes = notes.subscribe(since: seq + 1_000).makeAsyncIterator()
            guard case .reset(let reason, let current)? = try await changes.next() else {
                Issue.record("expected reset first")
                return
            }
            #expect(reason == "future")
            #expect(current == seq)
            let created = try await notes.create(["n": .number(1)])
            #expect(try await nextRecords(1, from: &changes).first?.record?.id == created.id)
        }
    }

    @Test("a stream the server drops mid-way resumes: nothing lost, nothing twice")
    func resumesAfterServerDrop() async throws {
        try await withServer { server in
            var live = try await SubscribedNotes(on: server)
            var written: [String] = []
            for n in 0..<3 { written.append(try await live.create(n)) }
            var received = try await live.nextIDs(3)

            // The app is torn down and started again: its streams end without a final event.
            try await server.restartApp()
            for n in 3..<8 { written.append(try await live.create(n)) }
            received += try await live.nextIDs(5)
            // One more live change proves nothing was queued twice behind the replay.
            written.append(try await live.create(8))
            received += try await live.nextIDs(1)
            #expect(received == written)
            // The stream really went down and came back: two connections reached `ready`.
            #expect(live.readyCount == 2)
        }
    }

    @Test("a token expiring mid-stream is refreshed and the stream resumes from its last id")
    func survivesRefresh() async throws {
        try await withServer { server in
            var live = try await SubscribedNotes(on: server)
            let before = try await live.create(1)
            #expect(try await live.nextIDs(1) == [before])

            let refreshesBefore = server.refreshCount
            server.expireAccessTokens()
            // The write refreshes the client's token; the stream gets `auth_expired` (at the latest
            // when this change is fanned out), refreshes through the same single flight and resumes.
            let after = try await live.create(2)
            #expect(try await live.nextIDs(1) == [after])
            let last = try await live.create(3)
            #expect(try await live.nextIDs(1) == [last])
            #expect(live.readyCount == 2)
            #expect(server.refreshCount - refreshesBefore == 1)
            #expect(await live.client.auth.currentUser == live.session.user)
        }
    }

    @Test("a revoked session ends the stream with its reason and signs out")
    func revokedEndsStream() async throws {
        try await withServer { server in
            var live = try await SubscribedNotes(on: server)
            var states = await live.client.auth.authStateChanges().makeAsyncIterator()
            #expect(await states.next() == .signedIn(live.session.user))
            _ = try await live.create(1)
            #expect(try await live.nextIDs(1).count == 1)

            // The session is logged out elsewhere (same tokens, another device).
            let logout = try await server.raw("POST", "/auth/logout",
                                              headers: ["X-API-Key": server.clientKey, "Authorization": "Bearer \(live.session.accessToken)"])
            #expect(logout.status == 204)
            let error = await #expect(throws: AppBaseError.self) {
                _ = try await live.nextIDs(1)
            }
            #expect(error?.code == "session_revoked")
            #expect(await states.next() == .signedOut(reason: "session_revoked"))
        }
    }
}

@Suite("Swift SDK: Retry-After")
struct RetryAfterClientTests {
    @Test("over the stream cap: a subscription gets in once a slot frees (waiting out Retry-After), or ends when Retry-After is too long")
    func streamCap() async throws {
        try await withServer { server in
            let (client, session) = try await server.signedInClient()
            let notes = client.db.collection("notes")
            var open: [AsyncThrowingStream<Change<JSONObject>, any Error>.Iterator] = []
            for _ in 0..<ClientTestServer.streamsPerUser {
                var changes = notes.subscribe().makeAsyncIterator()
                guard case .ready? = try await changes.next() else { throw TestFailure("no ready") }
                open.append(changes)
            }

            // A client that waits at most 1 s is told `rate_limited` (the server asks for 5 s).
            let impatient = server.client { $0.maxRetryAfterSeconds = 1 }
            try await impatient.auth.signIn(email: session.user.email, password: "correct horse battery")
            var refused = impatient.db.collection("notes").subscribe().makeAsyncIterator()
            let error = await #expect(throws: AppBaseError.self) { _ = try await refused.next() }
            #expect(error?.code == "rate_limited")
            #expect(error?.status == 429)

            // The default client gets in once a slot is free (waiting out Retry-After: 5 if it was refused first).
            var waiting = notes.subscribe().makeAsyncIterator()
            open.removeLast()
            guard case .ready? = try await waiting.next() else { throw TestFailure("the waiting stream never went live") }
            open.removeAll()
        }
    }
}
