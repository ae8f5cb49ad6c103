@testable import AppBaseChangeFeed
import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import Synchronization
import Testing

/// Live delivery without waking the pump (ADR 0046): while a live stream's pump is parked in
/// `next()`, frames go to its direct sink on the loop, in order; a full connection queue hands the
/// pump `.drain` and later frames wait for it; a gone client ends the stream.
@Suite("SSE direct writes from the loop")
struct DirectWriteTests {
    struct Gone: Error {}

    /// The items a pump task received.
    final class Items: Sendable {
        private let items = Mutex<[String]>([])
        init() {}
        var all: [String] { items.withLock { $0 } }
        func add(_ item: String) { items.withLock { $0.append(item) } }
    }

    /// What the fake connection received, and what it answers to the next write.
    final class FakeConnection: Sendable {
        enum Answer: Sendable { case accept, full, gone }
        private let state = Mutex<(writes: [[UInt8]], answer: Answer)>(([], .accept))
        var writes: [String] { state.withLock { $0.writes.map { String(decoding: $0, as: UTF8.self) } } }
        func answer(_ answer: Answer) { state.withLock { $0.answer = answer } }
        func write(_ bytes: [UInt8]) throws -> Bool {
            try state.withLock { state in
                switch state.answer {
                case .accept:
                    state.writes.append(bytes)
                    return false
                case .full:
                    state.writes.append(bytes)
                    return true
                case .gone: throw Gone()
                }
            }
        }
    }

    static func subscriber() -> Subscriber {
        let subscription = Subscription(collection: "notes", identity: Identity(keyID: "k", keyKind: .admin), clientIP: "127.0.0.1",
                                        readRule: .public, collectionExisted: true, filter: nil)
        return Subscriber(id: 1, subscription: subscription, capacity: 16)
    }

    static func deliver(_ subscriber: Subscriber, _ seq: Int64) {
        var candidate = ChangeCandidate(ChangeEvent(seq: seq, collection: "notes", recordID: "r\(seq)", ownerID: nil, action: .create,
                                                    oldImage: nil, newImage: Array(#"{"n":\#(seq)}"#.utf8)))
        subscriber.deliver(&candidate)
    }

    /// Runs on the loop after everything queued on it so far (direct flushes included).
    static func settle(_ loop: EventLoop) async throws { try await loop.run {} }

    /// Parks a pump: a task waiting in `next()`, whose first item is reported to `items`.
    static func park(_ subscriber: Subscriber, items: Items) -> Task<Void, Never> {
        let task = Task {
            let item = await subscriber.next()
            let text: String = switch item {
            case .frames(let bytes): "frames:" + String(decoding: bytes, as: UTF8.self)
            case .end(let reason): "end:\(reason)"
            case .drain: "drain"
            }
            items.add(text)
        }
        return task
    }

    /// A pump parked in `next()` (bounded wait: a pump that never parks fails the test's expectations).
    static func parkedPump(_ subscriber: Subscriber, items: Items) async -> Task<Void, Never> {
        let task = park(subscriber, items: items)
        for _ in 0..<10_000 where !subscriber.isPumpParked { await Task.yield() }
        return task
    }

    /// A live subscriber whose direct sink is `connection`, flushed on `loop`.
    static func liveSubscriber(writingTo connection: FakeConnection, on loop: EventLoop) -> Subscriber {
        let subscriber = Self.subscriber()
        subscriber.goLive(after: 0)
        subscriber.enableDirectWrites(Subscriber.DirectSink(loop: loop) { try connection.write($0) })
        return subscriber
    }

    @Test("frames for a parked pump reach the sink in sequence order; the pump is not woken")
    func framesGoDirect() async throws {
        let loop = EventLoop()
        defer { loop.stop() }
        let connection = FakeConnection()
        let subscriber = Self.liveSubscriber(writingTo: connection, on: loop)
        let items = Items()
        let pump = await Self.parkedPump(subscriber, items: items)
        for seq: Int64 in 1...5 { Self.deliver(subscriber, seq) }
        try await Self.settle(loop)
        let written = connection.writes.joined()
        #expect((1...5).map { written.contains("id: \($0)\n") } == Array(repeating: true, count: 5))
        let positions = (1...5).compactMap { written.firstRange(of: "id: \($0)\n")?.lowerBound }
        #expect(positions == positions.sorted())
        #expect(items.all.isEmpty)
        #expect(subscriber.isPumpParked)
        subscriber.end(.shutdown)
        await pump.value
        #expect(items.all == ["end:\(EndReason.shutdown)"])
    }

    @Test("a full connection queue wakes the pump with drain; frames queued meanwhile wait for it")
    func fullQueueDrains() async throws {
        let loop = EventLoop()
        defer { loop.stop() }
        let connection = FakeConnection()
        connection.answer(.full)
        let subscriber = Self.liveSubscriber(writingTo: connection, on: loop)
        let items = Items()
        let first = await Self.parkedPump(subscriber, items: items)
        Self.deliver(subscriber, 1)
        await first.value
        #expect(items.all == ["drain"])
        #expect(connection.writes.count == 1)
        // The pump is draining (not parked): the next frame waits in the queue for its `next()`.
        Self.deliver(subscriber, 2)
        try await Self.settle(loop)
        #expect(connection.writes.count == 1)
        let second = Self.park(subscriber, items: items)
        await second.value
        let taken = items.all
        #expect(taken.count == 2 && taken[1].hasPrefix("frames:") && taken[1].contains("id: 2\n"))
    }

    @Test("a client gone under a direct write ends the stream as clientGone")
    func goneClientEnds() async throws {
        let loop = EventLoop()
        defer { loop.stop() }
        let connection = FakeConnection()
        connection.answer(.gone)
        let subscriber = Self.liveSubscriber(writingTo: connection, on: loop)
        let items = Items()
        let pump = await Self.parkedPump(subscriber, items: items)
        Self.deliver(subscriber, 1)
        await pump.value
        #expect(items.all == ["end:\(EndReason.clientGone)"])
        #expect(await subscriber.outcome() == .clientGone)
    }
}
