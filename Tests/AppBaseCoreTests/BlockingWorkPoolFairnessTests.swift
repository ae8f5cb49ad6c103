import AppBaseCore
import Dispatch
import Synchronization
import Testing

/// The shared hashing pool's fairness (issue 12 §1, ADR 0021): apps take turns, and a full lane
/// refuses only its own app.
@Suite("BlockingWorkPool lanes: fair turns and per-lane bounds", .timeLimit(.minutes(1)))
struct BlockingWorkPoolFairnessTests {
    @Test("FairQueue serves keys in turn, first in first out within a key")
    func roundRobinOrder() {
        var queue = FairQueue<String>()
        for name in ["a0", "a1", "a2"] { queue.enqueue(name, key: "a") }
        queue.enqueue("b0", key: "b")
        queue.enqueue("c0", key: "c")
        queue.enqueue("b1", key: "b")
        #expect(queue.count == 6)
        #expect(queue.count(for: "a") == 3)
        var served: [String] = []
        while let next = queue.dequeue() { served.append(next.element) }
        #expect(served == ["a0", "b0", "c0", "a1", "b1", "a2"])
        #expect(queue.isEmpty)
    }

    @Test("FairQueue: the key served last waits behind another key even when it re-entered first")
    func lastServedGoesBehind() {
        var queue = FairQueue<String>()
        queue.enqueue("a0", key: "a")
        #expect(queue.dequeue()?.element == "a0")
        // While a0 runs, A queues more before B arrives.
        queue.enqueue("a1", key: "a")
        queue.enqueue("b0", key: "b")
        #expect(queue.dequeue()?.element == "b0")
        #expect(queue.dequeue()?.element == "a1")
        // Alone, a key is served again and again.
        queue.enqueue("a2", key: "a")
        #expect(queue.dequeue()?.element == "a2")
    }

    @Test("with app A's lane full of slow jobs, app B's job runs next; A's overflow is server_busy while B is admitted")
    func laneFullOnlyForItsApp() async throws {
        let pool = BlockingWorkPool(name: "fair-test", threadCount: 1, maxQueued: 100, maxQueuedPerLane: 3, retryAfterSeconds: 2)
        defer { pool.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        let (finished, done) = AsyncStream.makeStream(of: String.self)
        let record: @Sendable (String) -> @Sendable () -> Void = { name in { done.yield(name) } }

        // a0 takes the only thread and blocks there; a1 and a2 wait: A's lane holds 3.
        #expect(pool.schedule(in: "a") { gate.wait(); done.yield("a0") })
        #expect(pool.schedule(in: "a", record("a1")))
        #expect(pool.schedule(in: "a", record("a2")))
        #expect(pool.inFlight(lane: "a") == 3)
        // A's fourth job is refused, through either entry point, with A's Retry-After.
        #expect(!pool.schedule(in: "a", record("a3")))
        let refusal = await #expect(throws: AppBaseError.self) { try await pool.lane("a").run { 1 } }
        #expect(refusal?.code == .serverBusy)
        #expect(refusal?.status == 503)
        #expect(refusal?.retryAfterSeconds == 2)
        // B is admitted although A's lane is full and the thread is busy.
        #expect(pool.schedule(in: "b", record("b0")))
        #expect(pool.inFlight(lane: "b") == 1)

        gate.signal()
        var order: [String] = []
        for await name in finished.prefix(4) { order.append(name) }
        #expect(order == ["a0", "b0", "a1", "a2"], "B's job runs right after the job that was running, before A's queue")
    }

    @Test("the total bound still holds across lanes, and lanes' counts return to zero")
    func totalBound() async throws {
        let pool = BlockingWorkPool(name: "fair-total", threadCount: 2, maxQueued: 2, maxQueuedPerLane: 2)
        defer { pool.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        let (finished, done) = AsyncStream.makeStream(of: String.self)
        #expect(pool.schedule(in: "a") { gate.wait(); done.yield("a") })
        #expect(pool.schedule(in: "b") { gate.wait(); done.yield("b") })
        #expect(!pool.schedule(in: "c") { done.yield("c") })
        gate.signal()
        gate.signal()
        var names: Set<String> = []
        for await name in finished.prefix(2) { names.insert(name) }
        #expect(names == ["a", "b"])
        // Both threads give their lane's slot back after the job; the next run is admitted.
        #expect(try await pool.lane("c").run { 7 } == 7)
        #expect(pool.inFlight(lane: "a") == 0)
    }

    @Test("shutdown answers work still waiting instead of leaving its caller suspended")
    func shutdownAnswersWaiting() async throws {
        let pool = BlockingWorkPool(name: "fair-stop", threadCount: 1, maxQueued: 10)
        let gate = DispatchSemaphore(value: 0)
        let (started, start) = AsyncStream.makeStream(of: Void.self)
        #expect(pool.schedule(in: "a") { start.yield(); gate.wait() })
        for await _ in started.prefix(1) {}
        let waiting = Task { try await pool.lane("b").run { 1 } }
        // Admitted behind the blocked job (either way shutdown answers it with ThreadStoppedError).
        for _ in 0..<100_000 where pool.inFlight(lane: "b") == 0 { await Task.yield() }
        #expect(pool.inFlight(lane: "b") == 1)
        // Shutdown waits for the running job, so release it from another thread first.
        DispatchQueue.global().async { gate.signal() }
        pool.shutdown()
        await #expect(throws: ThreadStoppedError.self) { try await waiting.value }
    }
}
