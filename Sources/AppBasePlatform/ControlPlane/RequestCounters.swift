import AppBaseCore
import Synchronization

/// Requests served and 5xx answers per app, counted from `.requestsCompleted` on the bus (for
/// AppInfo's `requests`). A drop-and-signal subscriber: a burst never slows a request, and a
/// dropped summary only makes the count low (the drop is counted too).
final class RequestCounters: Sendable {
    struct Counts: Sendable, Hashable {
        var total: Int64 = 0
        var errors: Int64 = 0
    }

    private let counts = Mutex<[String: Counts]>([:])
    private let droppedSummaries = Atomic<Int>(0)
    /// Per-minute counts for `/admin/stats`, fed from the same drain.
    let history: RequestRateHistory?

    init(history: RequestRateHistory? = nil) { self.history = history }

    /// Counts for `app` (zero before its first request).
    func counts(for app: String) -> Counts { counts.withLock { $0[app] ?? Counts() } }

    /// Summaries lost to a full buffer since start.
    var dropped: Int { droppedSummaries.load(ordering: .relaxed) }

    /// Forgets a deleted app's counts (a new app of the same name starts from zero).
    func reset(_ app: String) {
        _ = counts.withLock { $0.removeValue(forKey: app) }
        history?.reset(app)
    }

    /// Reads the bus every 100 ms until its task is cancelled (at shutdown). It polls rather than
    /// awaiting each delivery: an awaiting reader would be resumed on a pool thread every loop turn
    /// that answered a request, a context switch per turn for a figure shown every few seconds.
    func follow(_ subscription: BusSubscription, every interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled {
            apply(subscription.drain(limit: 65_536))
            try? await Task.sleep(for: interval)
        }
        apply(subscription.drain(limit: 65_536))
    }

    private func apply(_ drained: (events: [BusEvent], dropped: Int)) {
        if drained.dropped > 0 { droppedSummaries.add(drained.dropped, ordering: .relaxed) }
        guard !drained.events.isEmpty else { return }
        if let history {
            history.record(drained.events.lazy.flatMap { event -> [RequestSummary] in
                if case .requestsCompleted(let summaries) = event { return summaries }
                return []
            })
        }
        counts.withLock { counts in
            for case .requestsCompleted(let summaries) in drained.events {
                for summary in summaries {
                    counts[summary.app, default: Counts()].total += 1
                    if summary.status >= 500 { counts[summary.app, default: Counts()].errors += 1 }
                }
            }
        }
    }

    /// The subscription `follow` reads: request summaries only, dropped (and counted) when full.
    static func subscribe(to bus: EventBus) -> BusSubscription {
        bus.subscribe(name: "control-plane-requests", capacity: 4096, policy: .dropAndSignal) { event in
            if case .requestsCompleted = event { return true }
            return false
        }
    }
}

/// The open `/api/events` streams, so shutdown can end them (their bus subscriptions are
/// cancelled, which ends each stream's loop) before the listener drains.
final class EventStreams: Sendable {
    private struct State {
        var open: [ObjectIdentifier: BusSubscription] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Registers a stream's subscription; false (and cancelled) once shutdown began.
    func add(_ subscription: BusSubscription) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.open[ObjectIdentifier(subscription)] = subscription
            return true
        }
        if !accepted { subscription.cancel() }
        return accepted
    }

    func remove(_ subscription: BusSubscription) {
        _ = state.withLock { $0.open.removeValue(forKey: ObjectIdentifier(subscription)) }
    }

    /// Ends every stream and refuses new ones.
    func closeAll() {
        let open = state.withLock { state -> [BusSubscription] in
            state.closed = true
            defer { state.open.removeAll() }
            return Array(state.open.values)
        }
        open.forEach { $0.cancel() }
    }
}
