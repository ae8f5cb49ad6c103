import DequeModule
import Synchronization

/// What a subscriber does when its buffer is full.
public enum OverflowPolicy: Sendable {
    /// Publishers wait for room: nothing is ever dropped (audit).
    case backpressure
    /// New events are dropped and the subscriber is told how many (live views, metrics).
    case dropAndSignal
}

/// What a subscriber receives.
public enum BusDelivery: Sendable {
    case event(BusEvent)
    /// `count` events were dropped before the next one because the buffer was full (a batch of
    /// request summaries counts as its number of summaries, `BusEvent.weight`).
    case dropped(count: Int)
}

/// The typed event bus owned by the root supervisor: many subscribers, each with its own
/// bounded buffer and overflow policy.
public final class EventBus: Sendable {
    /// The subscribers, and the same as a list that publishing reads without allocating.
    private struct Registry {
        var byID: [ObjectIdentifier: BusSubscription] = [:]
        var list: [BusSubscription] = []
    }
    private let subscribers = Mutex(Registry())

    public init() {}

    /// Adds a subscriber that receives the events `accepts` lets through.
    public func subscribe(
        name: String, capacity: Int, policy: OverflowPolicy,
        accepts: @escaping @Sendable (BusEvent) -> Bool = { _ in true }
    ) -> BusSubscription {
        let subscription = BusSubscription(name: name, capacity: capacity, policy: policy, accepts: accepts, bus: self)
        subscribers.withLock { registry in
            registry.byID[ObjectIdentifier(subscription)] = subscription
            registry.list = Array(registry.byID.values)
        }
        return subscription
    }

    /// Publishes to every subscriber; waits while a `backpressure` subscriber is full.
    public func publish(_ event: BusEvent) async {
        for subscriber in subscribers.withLock({ $0.list }) where subscriber.accepts(event) {
            await subscriber.deliver(event)
        }
    }

    /// Publishes without waiting; only for events that no `backpressure` subscriber accepts
    /// (a loop turn's request summaries). A full `backpressure` subscriber would lose it, so this asserts.
    public func publishDroppable(_ event: BusEvent) {
        for subscriber in subscribers.withLock({ $0.list }) where subscriber.accepts(event) {
            assert(subscriber.policy == .dropAndSignal, "lossless subscriber \(subscriber.name) fed a droppable event")
            subscriber.offer(event)
        }
    }

    func remove(_ subscription: BusSubscription) {
        subscribers.withLock { registry in
            if registry.byID.removeValue(forKey: ObjectIdentifier(subscription)) != nil {
                registry.list = Array(registry.byID.values)
            }
        }
    }
}

/// One subscriber's bounded buffer; iterate it with `for await`.
public final class BusSubscription: AsyncSequence, Sendable {
    public typealias Element = BusDelivery

    private struct State {
        var buffer = Deque<BusEvent>()
        var dropped = 0
        var reader: CheckedContinuation<BusDelivery?, Never>?
        var writers = Deque<CheckedContinuation<Void, Never>>()
        var cancelled = false
    }

    public let name: String
    let capacity: Int
    let policy: OverflowPolicy
    let accepts: @Sendable (BusEvent) -> Bool
    private weak let bus: EventBus?
    private let state = Mutex(State())

    init(name: String, capacity: Int, policy: OverflowPolicy, accepts: @escaping @Sendable (BusEvent) -> Bool, bus: EventBus) {
        self.name = name
        self.capacity = Swift.max(1, capacity)
        self.policy = policy
        self.accepts = accepts
        self.bus = bus
    }

    /// Stops the subscription; pending and future events are discarded, waiting publishers resume.
    public func cancel() {
        let (reader, writers) = state.withLock { state in
            state.cancelled = true
            state.buffer.removeAll()
            defer { state.reader = nil; state.writers.removeAll() }
            return (state.reader, state.writers)
        }
        reader?.resume(returning: nil)
        writers.forEach { $0.resume() }
        bus?.remove(self)
    }

    /// Events waiting in the buffer.
    public var pendingCount: Int { state.withLock { $0.buffer.count } }

    func deliver(_ event: BusEvent) async {
        while true {
            if offerOrWait(event) { return }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.cancelled || state.buffer.count < capacity { return true }
                    state.writers.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Returns true when the event was taken (or dropped by policy); false when the caller must wait.
    private func offerOrWait(_ event: BusEvent) -> Bool {
        let outcome = state.withLock { state -> (Bool, CheckedContinuation<BusDelivery?, Never>?, BusDelivery?) in
            if state.cancelled { return (true, nil, nil) }
            if let reader = state.reader {
                state.reader = nil
                if state.dropped > 0 {
                    let count = state.dropped
                    state.dropped = 0
                    state.buffer.append(event)
                    return (true, reader, .dropped(count: count))
                }
                return (true, reader, .event(event))
            }
            if state.buffer.count < capacity {
                state.buffer.append(event)
                return (true, nil, nil)
            }
            if policy == .dropAndSignal {
                state.dropped += event.weight
                return (true, nil, nil)
            }
            return (false, nil, nil)
        }
        if let reader = outcome.1 { reader.resume(returning: outcome.2) }
        return outcome.0
    }

    func offer(_ event: BusEvent) { _ = offerOrWait(event) }

    /// Takes up to `limit` buffered events and the count dropped so far, without waiting: for a
    /// subscriber that polls on its own schedule, so publishers never wake a thread for it.
    public func drain(limit: Int) -> (events: [BusEvent], dropped: Int) {
        let (events, dropped, writers) = state.withLock { state -> ([BusEvent], Int, [CheckedContinuation<Void, Never>]) in
            let count = Swift.min(Swift.max(0, limit), state.buffer.count)
            let events = Array(state.buffer.prefix(count))
            state.buffer.removeFirst(count)
            let dropped = state.dropped
            state.dropped = 0
            let writers = Array(state.writers.prefix(count))
            state.writers.removeFirst(writers.count)
            return (events, dropped, writers)
        }
        writers.forEach { $0.resume() }
        return (events, dropped)
    }

    func next() async -> BusDelivery? {
        await withCheckedContinuation { continuation in
            let (delivery, writer, ready) = state.withLock { state -> (BusDelivery?, CheckedContinuation<Void, Never>?, Bool) in
                if state.dropped > 0 && state.buffer.isEmpty {
                    let count = state.dropped
                    state.dropped = 0
                    return (.dropped(count: count), nil, true)
                }
                if let event = state.buffer.popFirst() {
                    return (.event(event), state.writers.popFirst(), true)
                }
                if state.cancelled { return (nil, nil, true) }
                state.reader = continuation
                return (nil, nil, false)
            }
            writer?.resume()
            if ready { continuation.resume(returning: delivery) }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: BusSubscription
        public mutating func next() async -> BusDelivery? { await subscription.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
}
