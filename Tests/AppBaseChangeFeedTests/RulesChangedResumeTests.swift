import AppBaseCore
import AppBaseRuntime
import AppBaseTestSupport
import Testing

/// A resume never replays entries logged under another read rule (issue 12 §5): a rule change writes
/// a `rules_changed` marker, and a stream resuming from before it gets `reset` (`rules_changed`) and
/// continues from the marker.
@Suite("Resume across a read-rule change")
struct RulesChangedResumeTests {
    @Test("?since=0 after a relaxed read rule: reset rules_changed, none of the older changes, then what followed")
    func resumeAcrossRuleChange() async throws {
        try await FeedTestApp.with { app in
            // Under the default rule (read: owner) bob writes, changes and deletes his records.
            let bobs = try await app.create("b1", owner: TestCaller.bobID)
            try await app.write(.update, "b1", owner: TestCaller.bobID, old: bobs.image,
                                new: FeedTestApp.image("b1", owner: TestCaller.bobID, version: 2))
            try await app.create("b2", owner: TestCaller.bobID)
            try await app.write(.delete, "b2", owner: TestCaller.bobID,
                                old: FeedTestApp.image("b2", owner: TestCaller.bobID, version: 1))
            // The admin relaxes the read rule; the collections service logs the marker in that transaction.
            var relaxed = AccessRules()
            relaxed.read = .authenticated
            app.rules.set(relaxed, for: "notes")
            let marker = try await app.write(.rulesChanged, "", owner: nil)
            let after = try await app.create("b3", owner: TestCaller.bobID)

            let (client, events) = try await app.subscribeReady(query: "?since=0")
            #expect(events.map(\.event) == ["reset", "create", "ready"])
            #expect(events[0].json == JSONValue.parse(#"{"reason":"rules_changed","since":0,"seq":\#(marker)}"#))
            #expect(events[0].seq == marker)
            #expect(events[1].seq == after.seq)
            // Resuming from the marker (the reset's id, as EventSource would) replays no reset again.
            await client.close()
            let (again, replay) = try await app.subscribeReady(headers: [("Last-Event-ID", String(marker))])
            #expect(replay.map(\.event) == ["create", "ready"])
            await again.close()
        }
    }

    @Test("a live stream sees the marker as reset rules_changed (or ends because its rule changed)")
    func liveMarker() async throws {
        try await FeedTestApp.with { app in
            let (client, _) = try await app.subscribeReady()
            let marker = try await app.write(.rulesChanged, "", owner: nil)
            let next = try await client.next()
            #expect(next?.event == "reset")
            #expect(next?.json["reason"] == .string("rules_changed"))
            #expect(next?.seq == marker)
            await client.close()
        }
    }
}
