@testable import AppBaseCore
import Testing

/// The bus: per-subscriber bounded buffers with lossless (backpressure) and drop-and-signal policies.
@Suite struct EventBusTests {
    static func audit(_ index: Int) -> BusEvent {
        .audit(AuditEvent(app: "a", time: Int64(index), actor: .system, action: "test.\(index)"))
    }

    static func action(_ delivery: BusDelivery?) -> String? {
        if case .event(.audit(let event))? = delivery { return event.action }
        return nil
    }

    @Test func everySubscriberGetsEveryEventInOrder() async {
        let bus = EventBus()
        let first = bus.subscribe(name: "one", capacity: 100, policy: .backpressure)
        let second = bus.subscribe(name: "two", capacity: 100, policy: .dropAndSignal)
        for index in 0..<10 { await bus.publish(Self.audit(index)) }
        for subscription in [first, second] {
            var iterator = subscription.makeAsyncIterator()
            for index in 0..<10 { #expect(Self.action(await iterator.next()) == "test.\(index)") }
        }
    }

    @Test func backpressureMakesPublishersWaitAndLosesNothing() async {
        let bus = EventBus()
        let audit = bus.subscribe(name: "audit", capacity: 2, policy: .backpressure)
        let publisher = Task {
            for index in 0..<50 { await bus.publish(Self.audit(index)) }
        }
        var received: [String] = []
        var iterator = audit.makeAsyncIterator()
        while received.count < 50, let action = Self.action(await iterator.next()) { received.append(action) }
        await publisher.value
        #expect(received == (0..<50).map { "test.\($0)" })
    }

    @Test func dropAndSignalTellsHowManyWereDropped() async {
        let bus = EventBus()
        let live = bus.subscribe(name: "live", capacity: 3, policy: .dropAndSignal)
        for index in 0..<10 { bus.publishDroppable(Self.audit(index)) }
        var iterator = live.makeAsyncIterator()
        #expect(Self.action(await iterator.next()) == "test.0")
        #expect(Self.action(await iterator.next()) == "test.1")
        #expect(Self.action(await iterator.next()) == "test.2")
        if case .dropped(let count)? = await iterator.next() {
            #expect(count == 7)
        } else {
            Issue.record("expected a dropped signal")
        }
    }

    @Test func filtersAndCancellation() async {
        let bus = EventBus()
        let onlyLifecycle = bus.subscribe(name: "apps", capacity: 10, policy: .dropAndSignal) { event in
            if case .appLifecycle = event { return true }
            return false
        }
        await bus.publish(Self.audit(1))
        await bus.publish(.appLifecycle(AppLifecycleEvent(app: "notes", state: .running)))
        var iterator = onlyLifecycle.makeAsyncIterator()
        if case .event(.appLifecycle(let event))? = await iterator.next() {
            #expect(event.app == "notes")
        } else {
            Issue.record("expected the lifecycle event")
        }
        onlyLifecycle.cancel()
        #expect(await iterator.next() == nil)
    }
}
