import AppBaseCore
import AppBaseRuntime
import AppBaseTestSupport
import Testing

/// A resume across a collection drop first replays the entries from before the drop that the
/// client has not seen — judged by the read rule the collection had, which the drop marker
/// records — then `reset` (`collection_deleted`), whether or not unknown collections are implicit.
@Suite("Resume across a collection drop")
struct DropResumeTests {
    /// Logs the drop as the collections service does: rules gone, marker with the old read rule.
    static func drop(_ app: FeedTestApp, readRule: AccessRule?) async throws -> Int64 {
        app.rules.set(nil, for: "notes")
        let marker = RecordChange.drop(of: "notes", readRule: readRule, requestID: nil)
        return try await app.write(.drop, "", owner: nil, old: marker.oldImage.map { String(decoding: $0, as: UTF8.self) })
    }

    @Test("?since= before a drop: the unseen pre-drop changes in order, then reset collection_deleted, then ready",
          arguments: [true, false])
    func preDropEntriesFirst(implicitCollections: Bool) async throws {
        try await FeedTestApp.with { app in
            app.rules.implicitCollections = implicitCollections
            let seen = try await app.create("a1")
            let unseen = [try await app.create("a2").seq, try await app.create("a3").seq]
            try await app.create("other", collection: "elsewhere")
            let drop = try await Self.drop(app, readRule: .owner)

            let (client, events) = try await app.subscribeReady(query: "?since=\(seen.seq)")
            #expect(events.map(\.event) == ["create", "create", "reset", "ready"])
            #expect(events.prefix(2).compactMap(\.seq) == unseen)
            #expect(events[2].json["reason"] == .string("collection_deleted"))
            #expect(events[2].seq == drop)
            #expect(events[3].seq == drop)
            await client.close()
        }
    }

    @Test("pre-drop entries are judged by the rule the collection had (authenticated), not the default (owner)")
    func droppedRuleDecides() async throws {
        try await FeedTestApp.with { app in
            app.rules.implicitCollections = false
            var open = AccessRules()
            open.read = .authenticated
            app.rules.set(open, for: "notes")
            let bobs = try await app.create("b1", owner: TestCaller.bobID)
            let drop = try await Self.drop(app, readRule: .authenticated)
            let (client, events) = try await app.subscribeReady(query: "?since=0")
            #expect(events.map(\.event) == ["create", "reset", "ready"])
            #expect(events[0].seq == bobs.seq)
            #expect(events[1].seq == drop)
            await client.close()
        }
    }

    /// A marker without a rule (logged by older versions) leaves the pre-drop entries to admins
    /// only; resuming from the marker itself finds nothing to replay and, without implicit
    /// collections, a collection that is gone.
    @Test("refused resumes across a drop", arguments: [
        (AccessRule?.none, false, 403),
        (AccessRule?.some(.owner), true, 404),
    ])
    func refused(markerRule: AccessRule?, fromMarker: Bool, status: Int) async throws {
        try await FeedTestApp.with { app in
            app.rules.implicitCollections = false
            try await app.create("a1")
            let drop = try await Self.drop(app, readRule: markerRule)
            let client = try await app.subscribe(headers: [("Last-Event-ID", fromMarker ? String(drop) : "0")])
            #expect(client.status == status)
            await client.close()
        }
    }
}
