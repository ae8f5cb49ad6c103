import AppBaseCore
import Synchronization

/// Puts the summaries of the requests each loop turn answered on the bus, for metrics and live
/// views, without slowing the request: the connection appends a small entry to a loop-local
/// buffer when it writes the response head, and the buffer is published once per loop turn as
/// one `BusEvent.requestsCompleted` with `EventBus.publishDroppable` (drop-and-signal: a slow
/// subscriber loses summaries and is told how many, the loop never waits). One event per turn
/// means each subscriber's filter and buffer cost the loop once per turn, not once per request.
///
/// Recorded at the response head, not at the last body byte: a Server-Sent Events stream
/// would otherwise count only when it closes, hours later, with an hours-long "latency".
public final class RequestRecorder: Sendable {
    /// The turn's summaries (the strings are the route's and the request's own, retained, never
    /// copied). The published array is shared with the subscribers, so each turn that answered
    /// requests starts a new one: one allocation per turn, none per request.
    private struct Pending {
        var summaries: [RequestSummary] = []
        /// The size the last published batch reached, reserved up front for the next.
        var lastCount = 0
    }

    private let bus: EventBus
    /// Summaries kept per loop turn; a turn that answers more drops the rest (counted).
    private let maxPerTurn: Int
    /// Touched on the loop thread only (record and flush both run there); the lock is
    /// uncontended and makes the type `Sendable` without unsafe code, as in `AccessLog`.
    private let pending = Mutex(Pending())
    private let overflow = Atomic<Int>(0)

    /// A recorder flushed by `loop` once per turn.
    public convenience init(bus: EventBus, loop: EventLoop, maxPerTurn: Int = 4096) {
        self.init(bus: bus, maxPerTurn: maxPerTurn)
        loop.addTurnHook { [self] in flush() }
    }

    /// A recorder the caller flushes (tests).
    init(bus: EventBus, maxPerTurn: Int) {
        self.bus = bus
        self.maxPerTurn = Swift.max(1, maxPerTurn)
    }

    /// Summaries dropped because one loop turn answered more than `maxPerTurn` requests.
    /// (Summaries a full subscriber drops are counted by that subscriber's bus buffer.)
    public var droppedInTurn: Int { overflow.load(ordering: .relaxed) }

    /// Notes an answered request (loop thread). A response without a route label (an error
    /// the connection answered itself, an unknown app host) counts as app `""`, route
    /// `unmatched`; a request whose head could not be parsed is not recorded.
    func record(_ request: HTTPRequest?, _ response: HTTPResponse) {
        guard let request else { return }
        let micros = Int64(bitPattern: (MonotonicTime.nanoseconds() &- request.startedAt) / 1000)
        let label = response.routeLabel
        let summary = RequestSummary(
            app: label?.app ?? "", method: request.methodName, route: label?.pattern ?? RouteLabel.unmatchedPattern,
            status: response.status, durationMicros: micros)
        let kept = pending.withLock { pending -> Bool in
            guard pending.summaries.count < maxPerTurn else { return false }
            if pending.summaries.capacity == 0 { pending.summaries.reserveCapacity(Swift.max(4, pending.lastCount)) }
            pending.summaries.append(summary)
            return true
        }
        if !kept { overflow.add(1, ordering: .relaxed) }
    }

    /// Publishes what the turn recorded; run once per loop turn.
    func flush() {
        let batch = pending.withLock { pending -> [RequestSummary] in
            guard !pending.summaries.isEmpty else { return [] }
            let batch = pending.summaries
            pending.lastCount = batch.count
            pending.summaries = []
            return batch
        }
        guard !batch.isEmpty else { return }
        bus.publishDroppable(.requestsCompleted(batch))
    }
}
