import AppBaseCore
@testable import AppBaseChangeFeed
import AppBaseRuntime
import Testing
import AppBaseTestSupport

@Suite("Fan-out backlog")
struct BacklogTests {
    private static func event(_ seq: Int64, collection: String = "notes") -> ChangeEvent {
        ChangeEvent(seq: seq, collection: collection, recordID: "r\(seq)", ownerID: nil, action: .create,
                    oldImage: nil, newImage: Array("{}".utf8))
    }

    @Test("past its capacity the inbox drops changes and queues one gap marker naming their collections, then accepts again")
    func inboxDropsAndSignals() async throws {
        let inbox = FanOutInbox(capacity: 3)
        let accepted = (1...6).map { inbox.offer(Self.event($0, collection: $0 == 6 ? "other" : "notes"), bytes: 10) }
        #expect(accepted == [true, true, true, false, false, false])
        #expect(inbox.backlog == 3)
        var iterator = inbox.items.makeAsyncIterator()
        var seen: [String] = []
        for _ in 0..<4 {
            switch await iterator.next() {
            case .change(let event, let bytes)?:
                inbox.took(bytes: bytes)
                seen.append("c\(event.seq)")
            case .gap?: seen.append("gap")
            case nil: seen.append("end")
            }
        }
        #expect(seen == ["c1", "c2", "c3", "gap"])
        // Still dropping until the hub has taken the gap.
        #expect(!inbox.offer(Self.event(7), bytes: 10))
        #expect(inbox.takeGap() == ["notes", "other"])
        #expect(inbox.offer(Self.event(8), bytes: 10))
        inbox.finish()
        if case .change(let event, _)? = await iterator.next() { #expect(event.seq == 8) } else { Issue.record("expected change 8") }
        #expect(await iterator.next() == nil)
    }

    @Test("the inbox's byte bound drops too, but one change larger than it passes when nothing waits")
    func inboxByteBound() {
        let inbox = FanOutInbox(capacity: 100, byteCapacity: 1000)
        #expect(inbox.offer(Self.event(1), bytes: 5000))
        #expect(!inbox.offer(Self.event(2), bytes: 10))
        #expect(inbox.takeGap() == ["notes"])
        inbox.took(bytes: 5000)
        #expect(inbox.offer(Self.event(3), bytes: 600))
        #expect(!inbox.offer(Self.event(4), bytes: 600))
    }

    @Test("when fan-out falls behind the writer, live streams are closed and resuming replays every change once")
    func overflowClosesStreamsAndResumeLosesNothing() async throws {
        try await FeedTestApp.with({ $0.fanOutBacklog = 4 }) { app in
            app.rules.set(AccessRules(), for: "tasks")
            let (bystander, _) = try await app.subscribeReady("tasks")
            let (stream, opening) = try await app.subscribeReady()
            let readyID = try #require(opening.last(where: { $0.event == "ready" })?.id)
            // Hold the hub before its next item, then commit many more changes: the inbox fills,
            // drops and queues its gap marker; no write waits for the hub.
            app.service.inbox.holdFanOut()
            var written: [Int64] = []
            for index in 0..<20 { written.append(try await app.create("r\(index)").seq) }
            #expect(app.service.inbox.backlog == 4)
            app.service.inbox.releaseHold()
            let live = try await stream.drain()
            let delivered = live.filter { $0.event == "create" }.compactMap(\.seq)
            // At most what the inbox held (4), in order — fewer when the abortive close overtook
            // frames still queued — and then the server closed the stream (drain returned)
            // instead of delivering all 20.
            #expect(delivered.count <= 4)
            #expect(delivered == Array(written.prefix(delivered.count)))
            // Only the collection that lost changes had its streams closed.
            #expect(await app.service.openStreamCount() == 1)
            let task = try await app.create("t1", collection: "tasks").seq
            #expect(try await bystander.next()?.seq == task)
            let lastID = delivered.last.map(String.init) ?? readyID
            let (resumed, replay) = try await app.subscribeReady(headers: [("Last-Event-ID", lastID)])
            #expect(replay.filter { $0.event == "create" }.compactMap(\.seq) == Array(written.dropFirst(delivered.count)))
            // And the feed is live again.
            let next = try await app.create("after").seq
            #expect(try await resumed.next()?.seq == next)
            await resumed.close()
            await bystander.close()
        }
    }

    @Test("a stream's byte bound closes it when several events exceed it, but one larger event passes alone")
    func subscriberByteBound() async throws {
        let subscription = Subscription(collection: "notes", identity: TestCaller.alice.identity(), clientIP: "127.0.0.1",
                                        readRule: .public, collectionExisted: true, filter: nil)
        func change(_ seq: Int64, bytes: Int) -> ChangeCandidate {
            let image = #"{"id":"r\#(seq)","ownerId":null,"pad":""# + String(repeating: "x", count: bytes) + #""}"#
            return ChangeCandidate(ChangeEvent(seq: seq, collection: "notes", recordID: "r\(seq)", ownerID: nil,
                                               action: .create, oldImage: nil, newImage: Array(image.utf8)))
        }
        let subscriber = Subscriber(id: 1, subscription: subscription, capacity: 100, byteCapacity: 1000)
        subscriber.goLive(after: 0)
        var big = change(1, bytes: 5000)
        subscriber.deliver(&big)
        #expect(!subscriber.isEnded)
        guard case .frames(let frames) = await subscriber.next() else {
            Issue.record("expected the large event's frame")
            return
        }
        #expect(frames.count > 5000)
        var first = change(2, bytes: 600), second = change(3, bytes: 600)
        subscriber.deliver(&first)
        #expect(!subscriber.isEnded)
        subscriber.deliver(&second)
        #expect(subscriber.isEnded)
        #expect(await subscriber.outcome() == .overflow)
    }
}
