import Synchronization

/// The ordered, bounded queue between the database writer (which offers each committed change,
/// in commit order) and the `SubscriptionHub` (which fans changes out).
///
/// Overflow policy — drop and signal: when more than `capacity` changes wait, the writer never
/// waits and memory never grows. The change that does not fit is dropped and a single `gap`
/// marker is queued behind what was accepted; further changes are dropped until the hub has
/// handled the marker. The hub answers the marker by closing every live stream, and their
/// clients resume from the change log with `Last-Event-ID` — so a dropped change is late, never
/// lost (it is committed, and therefore in the log, before it is offered).
final class FanOutInbox: Sendable {
    /// What the hub reads.
    enum Item: Sendable {
        case change(ChangeEvent)
        /// Changes after the ones before this marker were dropped.
        case gap
    }

    let items: AsyncStream<Item>
    private let input: AsyncStream<Item>.Continuation
    private let capacity: Int
    /// Changes offered and not yet taken by the hub.
    private let waiting = Atomic<Int>(0)
    /// Set from the first dropped change until the hub has handled the gap marker.
    private let dropping = Atomic<Bool>(false)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        (items, input) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
    }

    /// Queues a committed change (called from the writer's `afterCommit`, in commit order).
    /// Returns false when it was dropped.
    @discardableResult
    func offer(_ event: ChangeEvent) -> Bool {
        if dropping.load(ordering: .acquiring) { return false }
        if waiting.add(1, ordering: .acquiringAndReleasing).newValue > capacity {
            waiting.subtract(1, ordering: .relaxed)
            // The marker is queued once per gap, so the queue holds at most `capacity` + 1 items.
            if !dropping.exchange(true, ordering: .acquiringAndReleasing) { input.yield(.gap) }
            return false
        }
        input.yield(.change(event))
        return true
    }

    /// The hub took a change off the queue.
    func took() { waiting.subtract(1, ordering: .relaxed) }

    /// The hub has closed the streams that missed changes: accept changes again.
    func gapHandled() { dropping.store(false, ordering: .releasing) }

    /// Changes waiting now (for tests and metrics).
    var backlog: Int { waiting.load(ordering: .relaxed) }

    /// Ends the stream of items (shutdown).
    func finish() {
        input.finish()
        releaseHold()
    }

    // MARK: Holding fan-out (a test seam)

    private struct Hold {
        var held = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let hold = Mutex(Hold())
    private let holding = Atomic<Bool>(false)

    /// Stops the hub before its next item until `releaseHold()`, without blocking a thread —
    /// lets a test fill the inbox deterministically. Nothing in the server calls it.
    func holdFanOut() {
        hold.withLock { $0.held = true }
        holding.store(true, ordering: .releasing)
    }

    /// Lets a held hub go on.
    func releaseHold() {
        holding.store(false, ordering: .releasing)
        let waiter = hold.withLock { hold -> CheckedContinuation<Void, Never>? in
            hold.held = false
            defer { hold.waiter = nil }
            return hold.waiter
        }
        waiter?.resume()
    }

    /// Called by the hub before each item: returns at once unless fan-out is held.
    func waitWhileHeld() async {
        guard holding.load(ordering: .acquiring) else { return }
        await withCheckedContinuation { continuation in
            let resumeNow = hold.withLock { hold -> Bool in
                guard hold.held else { return true }
                hold.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
