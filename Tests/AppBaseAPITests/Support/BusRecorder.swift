import AppBaseCore

/// Records what a root supervisor's bus carries that scenarios watch: audit and app lifecycle
/// events. Lossless (`backpressure`, like the audit log will be), so a scenario can say "these
/// events and no others".
///
/// Both kinds are published with `await bus.publish` before the response that caused them is
/// written (audit) or before `start()`/`shutdown()` returns (lifecycle), so once a test has its
/// response, every event it caused is already here.
final class BusRecorder: Sendable {
    private let subscription: BusSubscription

    init(bus: EventBus) {
        subscription = bus.subscribe(name: "api-scenarios", capacity: 10_000, policy: .backpressure) { event in
            switch event {
            case .audit, .appLifecycle: return true
            case .requestsCompleted, .health: return false
            }
        }
    }

    /// The events recorded and not yet taken, oldest first.
    func take() async -> [BusEvent] {
        var events: [BusEvent] = []
        var iterator = subscription.makeAsyncIterator()
        // Bounded by what is pending now: never waits for an event that may not come.
        for _ in 0..<subscription.pendingCount {
            if case .event(let event)? = await iterator.next() { events.append(event) }
        }
        return events
    }

    /// Stops recording; waiting publishers resume.
    func cancel() { subscription.cancel() }
}
