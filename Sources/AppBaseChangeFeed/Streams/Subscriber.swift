import AppBaseCore
import AppBaseHTTP
import Synchronization

/// One open stream's queue between the hub (which evaluates changes and enqueues frames) and
/// the socket: the stream's pump writes the replay and whatever it finds queued; once live, frames
/// that arrive while the pump is parked are written by the connection's loop directly
/// (`enableDirectWrites`, ADR 0046).
///
/// Phases: *replaying* — the stream catches up from the log while the hub buffers raw changes
/// here (`pending`); then `goLive` evaluates the buffer, skipping what the replay already sent,
/// and from then on the hub enqueues frames directly. Both queues are bounded by `capacity`
/// events and by `byteCapacity` bytes (a single item may exceed the bytes, so one large record
/// still gets through): overflowing either ends this stream (and only it) with `.overflow`.
///
/// Invariants: `evaluatedSeq` only grows; every change with a sequence ≤ `evaluatedSeq` has been
/// enqueued (or found invisible), so a heartbeat may carry it as a resumable position.
/// Continuations are resumed outside the lock.
final class Subscriber: Sendable {
    /// What the pump gets next.
    enum PumpItem: Sendable {
        /// Frames to write, already concatenated.
        case frames([UInt8])
        /// The stream is over; write `reason.finalFrame` (if any) and stop.
        case end(EndReason)
        /// A direct write filled the connection's queue: wait until it drains, then ask again.
        case drain
    }

    /// Where a live stream's frames go without waking its pump (ADR 0046): `write` queues bytes
    /// on the connection and must run on `loop`'s thread; it returns true when the connection's
    /// queue is over its limit, and throws when the client has gone.
    struct DirectSink: Sendable {
        let loop: EventLoop
        let write: @Sendable ([UInt8]) throws -> Bool
    }

    /// How the stream as a whole finished, as its response producer learns it.
    enum Outcome: Sendable, Equatable {
        case pumpFinished(succeeded: Bool)
        /// Closed at once (abortively), even if the pump is still blocked on a full socket.
        case overflow
        case clientGone
    }

    private struct State {
        var live = false
        var pending: [ChangeEvent] = []
        var pendingBytes = 0
        var frames: [[UInt8]] = []
        var frameBytes = 0
        var evaluatedSeq: Int64 = 0
        var end: EndReason?
        var pumpWaiter: CheckedContinuation<PumpItem, Never>?
        /// Set by the pump once live: frames then go straight to the socket while it is parked.
        var directSink: DirectSink?
        /// A `flushDirect` is queued on the sink's loop (at most one at a time).
        var directFlushQueued = false
        var outcome: Outcome?
        var outcomeWaiter: CheckedContinuation<Outcome, Never>?
    }

    /// Continuations to resume, and a direct flush to queue, once the lock is released.
    private struct Wakeups {
        var pump: (CheckedContinuation<PumpItem, Never>, PumpItem)?
        var outcome: (CheckedContinuation<Outcome, Never>, Outcome)?

        func resume() {
            if let (continuation, item) = pump { continuation.resume(returning: item) }
            if let (continuation, outcome) = outcome { continuation.resume(returning: outcome) }
        }
    }

    let id: Int
    let subscription: Subscription
    /// The identity validator's version when this stream's identity last passed `revalidate`
    /// (`IdentityValidator.identityVersion`); `UInt64.max` before the first pass.
    private let checkedIdentityVersion = Atomic<UInt64>(.max)
    private let capacity: Int
    private let byteCapacity: Int
    private let state = Mutex(State())

    init(id: Int, subscription: Subscription, capacity: Int, byteCapacity: Int = .max) {
        self.id = id
        self.subscription = subscription
        self.capacity = max(1, capacity)
        self.byteCapacity = max(1, byteCapacity)
    }

    // MARK: Hub side

    /// Whether this stream's identity passed `revalidate` at the validator's `version`.
    func identityPassed(atVersion version: UInt64) -> Bool {
        checkedIdentityVersion.load(ordering: .relaxed) == version
    }

    /// Records that this stream's identity passed `revalidate` at the validator's `version`.
    func identityPassed(_ version: UInt64) {
        checkedIdentityVersion.store(version, ordering: .relaxed)
    }

    /// Offers a committed change (in sequence order). While replaying it is buffered raw; once
    /// live it is evaluated for this subscriber and its frame enqueued; a direct write it needs
    /// joins `flushes`, which the caller submits once it has offered the change to every stream.
    func deliver(_ candidate: inout ChangeCandidate, flushes: inout DirectFlushes) {
        let capacity = self.capacity, byteCapacity = self.byteCapacity
        let isLive = state.withLock { state -> Bool? in
            guard state.end == nil else { return nil }
            if state.live { return true }
            state.pending.append(candidate.event)
            state.pendingBytes += (candidate.event.oldImage?.count ?? 0) + (candidate.event.newImage?.count ?? 0)
            return false
        }
        switch isLive {
        case true?:
            let delivery = subscription.classify(&candidate)
            enqueue(seq: candidate.event.seq, frame: delivery.map { candidate.frame($0) }, flushes: &flushes)
        case false?:
            let overflowed = state.withLock { state in
                state.pending.count > capacity || (state.pendingBytes > byteCapacity && state.pending.count > 1)
            }
            if overflowed { end(.overflow) }
        case nil:
            return
        }
    }

    /// Enqueues a heartbeat carrying the evaluated sequence, if the stream is live and idle.
    /// A live stream's position first rises to `seq` (the hub's newest offered sequence: every
    /// change up to it has already been offered to this stream); while replaying it stays put.
    func heartbeat(advancingTo seq: Int64 = 0) {
        let wakeups = state.withLock { state -> Wakeups in
            guard state.live, state.end == nil else { return Wakeups() }
            state.evaluatedSeq = max(state.evaluatedSeq, seq)
            guard state.frames.isEmpty else { return Wakeups() }
            let beat = SSEFrames.heartbeat(seq: state.evaluatedSeq)
            state.frames.append(beat)
            state.frameBytes += beat.count
            return Self.wakePump(&state)
        }
        wakeups.resume()
    }

    /// Ends the stream (the first reason wins); queued frames are dropped.
    func end(_ reason: EndReason) {
        let wakeups = state.withLock { state -> Wakeups in
            if state.end == nil {
                state.end = reason
                state.frames = []
                state.frameBytes = 0
                state.pending = []
                state.pendingBytes = 0
                // Nothing is written after the end; and the sink no longer holds the connection.
                state.directSink = nil
            }
            var wakeups = Self.wakePump(&state)
            switch reason {
            case .overflow: wakeups.outcome = Self.settle(&state, .overflow)
            case .clientGone: wakeups.outcome = Self.settle(&state, .clientGone)
            default: break
            }
            return wakeups
        }
        wakeups.resume()
    }

    /// Whether the stream has ended.
    var isEnded: Bool { state.withLock { $0.end != nil } }

    /// Whether the pump waits in `next()` (for tests).
    var isPumpParked: Bool { state.withLock { $0.pumpWaiter != nil } }

    // MARK: Stream side

    /// After the replay reached `seq`: evaluates the buffered changes newer than it and switches
    /// to live delivery. Loops because the hub may buffer more while the batch is evaluated.
    func goLive(after seq: Int64) {
        state.withLock { $0.evaluatedSeq = max($0.evaluatedSeq, seq) }
        while true {
            let batch = state.withLock { state -> [ChangeEvent]? in
                guard state.end == nil, !state.pending.isEmpty else {
                    state.live = true
                    return nil
                }
                defer {
                    state.pending = []
                    state.pendingBytes = 0
                }
                return state.pending
            }
            guard let batch else { return }
            for event in batch {
                var candidate = ChangeCandidate(event)
                let delivery = subscription.classify(&candidate)
                enqueue(seq: event.seq, frame: delivery.map { candidate.frame($0) })
            }
        }
    }

    /// Called by the pump once the stream is live (after `ready`): from now on, while the pump
    /// is parked in `next()`, new frames are written by `sink` on its loop without waking it.
    func enableDirectWrites(_ sink: DirectSink) {
        state.withLock { $0.directSink = sink }
    }

    /// The next frames to write, the end, or `.drain` (a direct write filled the connection's
    /// queue). Cancellation ends the stream as `.clientGone`.
    func next() async -> PumpItem {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let item = state.withLock { state -> PumpItem? in
                    if let end = state.end { return .end(end) }
                    if !state.frames.isEmpty { return .frames(Self.takeFrames(&state)) }
                    state.pumpWaiter = continuation
                    return nil
                }
                if let item { continuation.resume(returning: item) }
            }
        } onCancel: {
            end(.clientGone)
        }
    }

    /// Waits until the stream is over: the pump finished, the buffer overflowed, or the client
    /// left (including cancellation of the waiting task).
    func outcome() async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let outcome = state.withLock { state -> Outcome? in
                    if let outcome = state.outcome { return outcome }
                    state.outcomeWaiter = continuation
                    return nil
                }
                if let outcome { continuation.resume(returning: outcome) }
            }
        } onCancel: {
            end(.clientGone)
        }
    }

    /// Called by the pump when it stops.
    func pumpFinished(succeeded: Bool) {
        let wakeups = state.withLock { state -> Wakeups in
            Wakeups(outcome: Self.settle(&state, .pumpFinished(succeeded: succeeded)))
        }
        wakeups.resume()
    }

    // MARK: Private

    private func enqueue(seq: Int64, frame: [UInt8]?) {
        var flushes = DirectFlushes()
        enqueue(seq: seq, frame: frame, flushes: &flushes)
        flushes.submit()
    }

    private func enqueue(seq: Int64, frame: [UInt8]?, flushes: inout DirectFlushes) {
        let (wakeups, flushOn, overflowed) = state.withLock { state -> (Wakeups, EventLoop?, Bool) in
            guard state.end == nil, seq > state.evaluatedSeq else { return (Wakeups(), nil, false) }
            state.evaluatedSeq = seq
            guard let frame else { return (Wakeups(), nil, false) }
            state.frames.append(frame)
            state.frameBytes += frame.count
            if state.frames.count > capacity || (state.frameBytes > byteCapacity && state.frames.count > 1) {
                return (Wakeups(), nil, true)
            }
            // Parked pump and a direct sink: the loop writes the frames itself, no task wakes.
            if let sink = state.directSink, state.pumpWaiter != nil {
                guard !state.directFlushQueued else { return (Wakeups(), nil, false) }
                state.directFlushQueued = true
                return (Wakeups(), sink.loop, false)
            }
            return (Self.wakePump(&state), nil, false)
        }
        if let flushOn { flushes.add(self, on: flushOn) }
        wakeups.resume()
        if overflowed { end(.overflow) }
    }

    /// On the sink's loop: writes the queued frames straight to the connection while the pump
    /// stays parked. A full connection queue wakes the pump to wait for the drain (frames queued
    /// meanwhile wait for it, bounded as always); a gone client ends the stream.
    fileprivate func flushDirect() {
        let taken = state.withLock { state -> (bytes: [UInt8], sink: DirectSink)? in
            state.directFlushQueued = false
            guard state.end == nil, state.pumpWaiter != nil, let sink = state.directSink, !state.frames.isEmpty else { return nil }
            return (Self.takeFrames(&state), sink)
        }
        guard let taken else { return }
        do {
            guard try taken.sink.write(taken.bytes) else { return }
            let wakeups = state.withLock { state -> Wakeups in
                guard let waiter = state.pumpWaiter else { return Wakeups() }
                state.pumpWaiter = nil
                return Wakeups(pump: (waiter, .drain))
            }
            wakeups.resume()
        } catch {
            end(.clientGone)
        }
    }

    private static func wakePump(_ state: inout State) -> Wakeups {
        guard let waiter = state.pumpWaiter else { return Wakeups() }
        if let end = state.end {
            state.pumpWaiter = nil
            return Wakeups(pump: (waiter, .end(end)))
        }
        guard !state.frames.isEmpty else { return Wakeups() }
        state.pumpWaiter = nil
        return Wakeups(pump: (waiter, .frames(takeFrames(&state))))
    }

    private static func takeFrames(_ state: inout State) -> [UInt8] {
        state.frameBytes = 0
        // Emptied keeping its capacity: the next change's frame needs no new buffer.
        defer { state.frames.removeAll(keepingCapacity: true) }
        if state.frames.count == 1, let only = state.frames.first { return only }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(state.frames.reduce(0) { $0 + $1.count })
        for frame in state.frames { bytes.append(contentsOf: frame) }
        return bytes
    }

    private static func settle(_ state: inout State, _ outcome: Outcome) -> (CheckedContinuation<Outcome, Never>, Outcome)? {
        guard state.outcome == nil else { return nil }
        state.outcome = outcome
        guard let waiter = state.outcomeWaiter else { return nil }
        state.outcomeWaiter = nil
        return (waiter, outcome)
    }
}

/// The direct flushes one change's fan-out asks for, queued on their loop in groups of
/// `groupSize` streams: 1,000 live streams cost 16 loop jobs, not 1,000 closures, each
/// allocated and pushed under the loop's lock (ADR 0046). The first group leaves after 64
/// streams, so the loop starts writing while the hub goes on.
struct DirectFlushes {
    static let groupSize = 64
    private var loop: EventLoop?
    private var pending: [Subscriber] = []

    /// Adds `subscriber`, whose `flushDirect` must run on `loop`.
    mutating func add(_ subscriber: Subscriber, on loop: EventLoop) {
        if let current = self.loop, current !== loop { submit() }
        self.loop = loop
        pending.append(subscriber)
        if pending.count >= Self.groupSize { submit() }
    }

    /// Queues what was added as one job on its loop. A stopped loop (shutdown) will write
    /// none of those streams again: they end.
    mutating func submit() {
        guard let loop, !pending.isEmpty else { return }
        let group = pending
        pending.removeAll(keepingCapacity: true)
        if !loop.execute({ for subscriber in group { subscriber.flushDirect() } }) {
            for subscriber in group { subscriber.end(.clientGone) }
        }
    }
}
