import AppBaseCore

/// Receives the audit events published on an app's bus, so a test can check what was audited.
/// Lossless like the platform's audit writer: a full tap (10,000 events) holds publishers back.
public final class AuditTap: Sendable {
    private let subscription: BusSubscription

    /// Subscribes to the audit events on `bus`.
    public init(bus: EventBus) {
        subscription = bus.subscribe(name: "test-audit", capacity: 10_000, policy: .backpressure) {
            if case .audit = $0 { return true }
            return false
        }
    }

    /// The audit events published so far and not yet taken, oldest first.
    public func take() async -> [AuditEvent] {
        var events: [AuditEvent] = []
        var iterator = subscription.makeAsyncIterator()
        for _ in 0..<subscription.pendingCount {
            if case .event(.audit(let event))? = await iterator.next() { events.append(event) }
        }
        return events
    }

    /// Stops receiving; pending events are discarded and waiting publishers resume.
    public func cancel() { subscription.cancel() }
}
