@testable import AppBaseChangeFeed
import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import Dispatch
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
        private let state = Mutex<(writes: [[UInt8]], answer: Answer, offLoop: Int)>(([], .accept, 0))
        let loop: EventLoop
        init(loop: EventLoop) { self.loop = loop }
        var writes: [String] { state.withLock { $0.writes.map { String(decoding: $0, as: UTF8.self) } } }
        /// Writes made from a thread other than the loop's (a real connection would race).
        var writesOffLoop: Int { state.withLock { $0.offLoop } }
        func answer(_ answer: Answer) { state.withLock { $0.answer = answer } }
        func write(_ bytes: [UInt8]) throws -> Bool {
            let onLoop = loop.isCurrent
            return try state.withLock { state in
                if !onLoop { state.offLoop += 1 }
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

    /// Blocks a thread until opened (to hold the loop while the test arranges a race).
    final class DispatchGate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        init() {}
        func wait() { semaphore.wait() }
        func open() { semaphore.signal() }
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
        var yields = 0
        while !subscriber.isPumpParked && yields < 10_000 {
            await Task.yield()
            yields += 1
        }
        return task
    }

    /// A live subscriber whose direct sink is `connection`, flushed on `loop`.
    static func liveSubscriber(writingTo connection: FakeConnection, on loop: EventLoop) -> Subscriber {
        let subscriber = Self.subscriber()
        subscriber.goLive(after: 0)
        subscriber.enableDirectWrites(Subscriber.DirectSink(loop: loop) { try connection.write($0) })
        return subscriber
    }

    @Test("frames for a parked pump reach the sink on the loop in sequence order; the pump is not woken",
          .timeLimit(.minutes(1)))
    func framesGoDirect() async throws {
        let loop = EventLoop()
        defer { loop.stop() }
        let connection = FakeConnection(loop: loop)
        let subscriber = Self.liveSubscriber(writingTo: connection, on: loop)
        let items = Items()
        let pump = await Self.parkedPump(subscriber, items: items)
        for seq: Int64 in 1...5 { Self.deliver(subscriber, seq) }
        try await Self.settle(loop)
        // A later change, after the first flush ran: flushed again (the queued flag was cleared).
        Self.deliver(subscriber, 6)
        try await Self.settle(loop)
        #expect(connection.writes.count >= 2)
        #expect(connection.writes.last?.contains("id: 6\n") == true)
        #expect(connection.writesOffLoop == 0)
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

    @Test("a full connection queue wakes the pump with drain; frames queued meanwhile wait for it; once parked again, direct writes resume",
          .timeLimit(.minutes(1)))
    func fullQueueDrains() async throws {
        let loop = EventLoop()
        defer { loop.stop() }
        let connection = FakeConnection(loop: loop)
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
        // Drained and parked again: the next frame goes direct.
        connection.answer(.accept)
        let third = await Self.parkedPump(subscriber, items: items)
        Self.deliver(subscriber, 3)
        try await Self.settle(loop)
        #expect(connection.writes.count == 2 && connection.writes[1].contains("id: 3\n"))
        #expect(items.all.count == 2)
        subscriber.end(.shutdown)
        await third.value
    }

    @Test("an end while a flush is queued writes nothing more; a heartbeat still wakes the pump", .timeLimit(.minutes(1)))
    func endAndHeartbeat() async throws {
        let loop = EventLoop()
        defer { loop.stop() }
        let connection = FakeConnection(loop: loop)
        let subscriber = Self.liveSubscriber(writingTo: connection, on: loop)
        let items = Items()
        // A heartbeat while parked (no frames queued) is written by the pump itself.
        let first = await Self.parkedPump(subscriber, items: items)
        subscriber.heartbeat(advancingTo: 4)
        await first.value
        #expect(items.all.count == 1 && items.all[0].hasPrefix("frames:") && items.all[0].contains("4"))
        #expect(connection.writes.isEmpty)
        // Parked again; hold the loop so the queued flush cannot run before the end.
        let second = await Self.parkedPump(subscriber, items: items)
        let release = DispatchGate()
        loop.execute { release.wait() }
        Self.deliver(subscriber, 5)
        subscriber.end(.shutdown)
        release.open()
        try await Self.settle(loop)
        await second.value
        #expect(connection.writes.isEmpty)
        #expect(items.all.last == "end:\(EndReason.shutdown)")
    }

    @Test("a client gone under a direct write ends the stream as clientGone", .timeLimit(.minutes(1)))
    func goneClientEnds() async throws {
        let loop = EventLoop()
        defer { loop.stop() }
        let connection = FakeConnection(loop: loop)
        connection.answer(.gone)
        let subscriber = Self.liveSubscriber(writingTo: connection, on: loop)
        let items = Items()
        let pump = await Self.parkedPump(subscriber, items: items)
        Self.deliver(subscriber, 1)
        await pump.value
        #expect(items.all == ["end:\(EndReason.clientGone)"])
        #expect(await subscriber.outcome() == .clientGone)
    }

    @Test("one change to more streams than a flush group: every stream's frame is written once, on the loop",
          .timeLimit(.minutes(1)))
    func groupedFlushesReachEveryStream() async throws {
        let loop = EventLoop()
        defer { loop.stop() }
        let streams = DirectFlushes.groupSize * 2 + 7
        var connections: [FakeConnection] = []
        var subscribers: [Subscriber] = []
        var pumps: [Task<Void, Never>] = []
        let items = Items()
        for _ in 0..<streams {
            let connection = FakeConnection(loop: loop)
            let subscriber = Self.liveSubscriber(writingTo: connection, on: loop)
            pumps.append(await Self.parkedPump(subscriber, items: items))
            connections.append(connection)
            subscribers.append(subscriber)
        }
        // As the hub offers one change: one `DirectFlushes` across every stream, submitted at the end.
        var candidate = ChangeCandidate(ChangeEvent(seq: 1, collection: "notes", recordID: "r1", ownerID: nil, action: .create,
                                                    oldImage: nil, newImage: Array(#"{"n":1}"#.utf8)))
        var flushes = DirectFlushes()
        for subscriber in subscribers { subscriber.deliver(&candidate, flushes: &flushes) }
        flushes.submit()
        try await Self.settle(loop)
        #expect(connections.map(\.writes.count) == Array(repeating: 1, count: streams))
        #expect(connections.allSatisfy { $0.writes.first?.contains("id: 1\n") == true })
        #expect(connections.map(\.writesOffLoop).reduce(0, +) == 0)
        #expect(items.all.isEmpty)
        for subscriber in subscribers { subscriber.end(.shutdown) }
        for pump in pumps { await pump.value }
    }
}
