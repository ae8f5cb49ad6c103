import AppBaseCore
import AppBaseRuntime
import AppBaseTestSupport
import Testing
import AppBaseSQLite
import AppBaseChangeFeed

@Suite("Resume: since, Last-Event-ID, reset, nothing lost and nothing twice")
struct ResumeTests {
    @Test("list-then-subscribe with since: every change after the list's sequence arrives exactly once, in order")
    func listThenSubscribe() async throws {
        try await FeedTestApp.with { app in
            for index in 0..<5 { try await app.create("old\(index)") }
            let listed = try await app.head()   // what a list's X-Change-Seq would say
            // Writes race with the subscription: some land before it registers, some during replay, some after.
            let writer = Task {
                var sequences: [Int64] = []
                for index in 0..<60 { sequences.append(try await app.create("new\(index)").seq) }
                return sequences
            }
            // Some writes land before the subscription registers: wait for the first, not a while.
            #expect(try await eventually { try await app.head() > listed })
            let client = try await app.subscribe(query: "?since=\(listed)")
            let written = try await writer.value
            let events = try await client.events(until: { $0.event != "ready" && $0.seq == written.last })
            let changes = events.filter { $0.event == "create" }
            #expect(changes.compactMap(\.seq) == written, "all 60, in order, once each")
            #expect(events.filter { $0.event == "ready" }.count == 1)
            // `ready` comes when the replay is done: its id is at least the last replayed sequence.
            let readyIndex = try #require(events.firstIndex { $0.event == "ready" })
            let replayed = events[..<readyIndex].compactMap(\.seq)
            #expect(events[readyIndex].seq ?? 0 >= (replayed.last ?? listed))
            await client.close()
        }
    }

    @Test("after a dropped connection, Last-Event-ID resumes: the changes in between once, then live")
    func resumeAfterDrop() async throws {
        try await FeedTestApp.with { app in
            let (first, _) = try await app.subscribeReady()
            try await app.create("a")
            try await app.create("b")
            let seen = [try await first.next(), try await first.next()]
            let lastID = try #require(seen.last??.id)
            await first.close()
            var missed: [Int64] = []
            for index in 0..<5 { missed.append(try await app.create("m\(index)").seq) }
            // EventSource sends Last-Event-ID; the original ?since= is still on the URL and must lose.
            let (second, replay) = try await app.subscribeReady(query: "?since=0", headers: [("Last-Event-ID", lastID)])
            #expect(replay.filter { $0.event == "create" }.compactMap(\.seq) == missed)
            #expect(replay.last?.seq == missed.last)
            let live = try await app.create("after")
            #expect(try await second.next()?.seq == live.seq)
            await second.close()
        }
    }

    @Test("replay applies the subscriber's filter and rules, and spans many pages")
    func replayFiltered() async throws {
        try await FeedTestApp.with({ $0.replayPageSize = 7 }) { app in
            var expected: [Int64] = []
            for index in 0..<40 {
                let owner = index % 3 == 0 ? TestCaller.bobID : TestCaller.aliceID
                let seq = try await app.create("r\(index)", #""n":\#(index)"#, owner: owner).seq
                try await app.create("x\(index)", collection: "other")
                if owner == TestCaller.aliceID && index % 2 == 0 { expected.append(seq) }
            }
            let query = "?since=0&filter=" + Percent.encode("n in [" + (0..<40).filter { $0 % 2 == 0 }.map(String.init).joined(separator: ",") + "]")
            let (client, replay) = try await app.subscribeReady(query: query)
            #expect(replay.filter { $0.event == "create" }.compactMap(\.seq) == expected)
            #expect(replay.last?.seq == (try await app.head()))
            await client.close()
        }
    }

    @Test("a sequence older than the window → reset, then live from the head")
    func resetExpired() async throws {
        try await FeedTestApp.with({ $0.maxEvents = 5 }) { app in
            for index in 0..<12 { try await app.create("r\(index)") }
            let deleted = try await app.service.prune()
            #expect(deleted == 7)
            let (client, events) = try await app.subscribeReady(query: "?since=3")
            #expect(events.map(\.event) == ["reset", "ready"])
            #expect(events[0].json == JSONValue.parse(#"{"reason":"expired","since":3,"seq":12}"#))
            #expect(events[0].seq == 12)
            #expect(events[1].seq == 12)
            let live = try await app.create("new")
            #expect(try await client.next()?.seq == live.seq)
            await client.close()
            // Exactly at the horizon is still resumable.
            let (resumed, replay) = try await app.subscribeReady(query: "?since=7")
            #expect(replay.filter { $0.event == "create" }.compactMap(\.seq) == Array(8...13))
            await resumed.close()
        }
    }

    @Test("a sequence newer than the log (a restored database) → reset")
    func resetFuture() async throws {
        try await FeedTestApp.with { app in
            try await app.create("r")
            let (client, events) = try await app.subscribeReady(headers: [("Last-Event-ID", "999")])
            #expect(events.map(\.event) == ["reset", "ready"])
            #expect(events[0].json["reason"] == .string("future"))
            #expect(events[1].seq == 1)
            await client.close()
        }
    }

    @Test("the log is bounded by count, age and bytes; the newest entry always stays")
    func pruning() async throws {
        try await FeedTestApp.with({ $0.maxAgeSeconds = 60; $0.maxBytes = 4_000; $0.pruneBatchRows = 3 }) { app in
            for index in 0..<10 { try await app.create("r\(index)", #""pad":"\#(String(repeating: "x", count: 300))""#) }
            // Bytes: ten ~500-byte entries over a 4,000-byte bound.
            #expect(try await app.service.prune() > 0)
            let bytes = try await app.readers.read { connection in
                try connection.queryOne("SELECT sum(size) FROM change_log") { $0.int64(0) } ?? 0
            }
            #expect(bytes <= 4_000)
            // Age: everything is old now, but the newest entry stays.
            app.clock.advance(seconds: 120)
            #expect(try await app.service.prune() > 0)
            let remaining = try await app.readers.read { connection in
                try connection.query("SELECT seq FROM change_log") { $0.int64(0) }
            }
            #expect(remaining == [10])
            #expect(try await app.head() == 10)
        }
    }

    @Test("the prune probe says work exactly when a prune would delete something: bounds exceeded or the oldest entry past the age")
    func pruneProbe() async throws {
        try await FeedTestApp.with({ $0.maxAgeSeconds = 60; $0.maxEvents = 5 }) { app in
            func probe() -> Bool { app.service.pruneMayHaveWork(nowMilliseconds: app.clock.nowMilliseconds()) }
            #expect(!probe(), "an empty log")
            try await app.create("a")
            #expect(!probe(), "one entry: the newest always stays")
            try await app.create("b")
            #expect(!probe(), "young entries within the bounds")
            #expect(try await app.service.prune() == 0)
            app.clock.advance(seconds: 30)
            try await app.create("c")
            app.clock.advance(seconds: 31)
            #expect(probe(), "the oldest entry is past the age bound")
            #expect(try await app.service.prune() == 2)
            #expect(!probe(), "what is left is young (the oldest remaining entry's time was read back)")
            app.clock.advance(seconds: 61)
            #expect(!probe(), "one entry left: nothing to delete however old")
            for index in 0..<6 { try await app.create("n\(index)") }
            #expect(probe(), "past the count bound (and old entries)")
            #expect(try await app.service.prune() > 0)
            #expect(!probe())
        }
    }
}
