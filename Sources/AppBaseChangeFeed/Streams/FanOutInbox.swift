import Synchronization

/// The ordered, bounded queue between the database writer (which offers each committed change,
/// in commit order) and the `SubscriptionHub` (which fans changes out).
///
/// Overflow policy — drop and signal: when more than `capacity` changes (or `byteCapacity`
/// bytes of record images) wait, the writer never waits and memory never grows. The change that
/// does not fit is dropped and a single `gap` marker is queued behind what was accepted; further
/// changes are dropped (their collections noted) until the hub has handled the marker. The hub
/// answers it by closing the live streams on the collections that lost changes, and their
/// clients resume from the change log with `Last-Event-ID` — so a dropped change is late, never
/// lost (it is committed, and therefore in the log, before it is offered). Streams on other
/// collections are not disturbed.
final class FanOutInbox: Sendable {
    /// What the hub reads.
    enum Item: Sendable {
        /// A committed change and the bytes it holds (counted against `byteCapacity`).
        case change(ChangeEvent, bytes: Int)
        /// Changes after the ones before this marker were dropped; `takeGap()` names their
        /// collections.
        case gap
    }

    private struct State {
        var waiting = 0
        var waitingBytes = 0
        var dropping = false
        var droppedCollections: Set<String> = []
    }

    let items: AsyncStream<Item>
    private let input: AsyncStream<Item>.Continuation
    private let capacity: Int
    private let byteCapacity: Int
    private let state = Mutex(State())

    init(capacity: Int, byteCapacity: Int = .max) {
        self.capacity = max(1, capacity)
        self.byteCapacity = max(1, byteCapacity)
        (items, input) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
    }

    /// Queues a committed change of `bytes` bytes (called from the writer's `afterCommit`, in
    /// commit order). Returns false when it was dropped.
    @discardableResult
    func offer(_ event: ChangeEvent, bytes: Int) -> Bool {
        let capacity = self.capacity, byteCapacity = self.byteCapacity
        let outcome = state.withLock { state -> Item? in
            if state.dropping {
                state.droppedCollections.insert(event.collection)
                return nil
            }
            // One change larger than the byte bound still passes when nothing else waits.
            let fits = state.waiting < capacity && (state.waitingBytes + bytes <= byteCapacity || state.waiting == 0)
            guard fits else {
                state.dropping = true
                state.droppedCollections.insert(event.collection)
                return .gap
            }
            state.waiting += 1
            state.waitingBytes += bytes
            return .change(event, bytes: bytes)
        }
        guard let outcome else { return false }
        // Yielded in the writer's order: offers come from the one writer thread.
        input.yield(outcome)
        if case .change = outcome { return true }
        return false
    }

    /// The hub took a change of `bytes` bytes off the queue.
    func took(bytes: Int) {
        state.withLock { state in
            state.waiting -= 1
            state.waitingBytes -= bytes
        }
    }

    /// At a gap marker: the collections whose changes were dropped since, and changes are
    /// accepted again from now on. The hub closes those collections' streams in the same
    /// actor turn, so no stream on them can see a later change without having been closed.
    func takeGap() -> Set<String> {
        state.withLock { state in
            state.dropping = false
            defer { state.droppedCollections = [] }
            return state.droppedCollections
        }
    }

    /// Changes waiting now (for tests and metrics).
    var backlog: Int { state.withLock { $0.waiting } }

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

    /// Whether fan-out is held (checked synchronously by the hub before it awaits).
    var isHeld: Bool { holding.load(ordering: .acquiring) }

    /// Suspends until the hold is released.
    func waitWhileHeld() async {
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
