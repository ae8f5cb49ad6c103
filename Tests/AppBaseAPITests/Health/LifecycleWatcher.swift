import AppBaseCore
import AppBaseTestSupport

/// Records every lifecycle event on a bus as `<app> <state>` in an `EventLog`, so a test can
/// await "alpha running" after a restart instead of sleeping.
final class LifecycleWatcher: Sendable {
    let log = EventLog()
    private let subscription: BusSubscription
    private let reader: Task<Void, Never>

    init(bus: EventBus) {
        let subscription = bus.subscribe(name: "lifecycle-watcher", capacity: 10_000, policy: .backpressure) { event in
            if case .appLifecycle = event { return true }
            return false
        }
        self.subscription = subscription
        let log = self.log
        reader = Task {
            for await delivery in subscription {
                if case .event(.appLifecycle(let event)) = delivery { log.record("\(event.app) \(event.state.rawValue)") }
            }
        }
    }

    func cancel() {
        subscription.cancel()
        reader.cancel()
    }
}
