import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import Synchronization

/// Thrown to the HTTP layer to close a stream's connection abortively (slow consumer, write
/// failure): the client sees the connection end and resumes with `Last-Event-ID`.
struct StreamAborted: Error {}

/// One SSE response: replay from the log (when resuming), then live delivery, heartbeats and a
/// final event.
///
/// Handoff without gap or duplicate: the subscriber is registered with the hub (and buffers
/// every change from then on) *before* the log is read. Any change is therefore either committed
/// before the registration — and found by the replay, whose reads start later — or handed to the
/// hub after it — and buffered; changes in both are told apart by sequence (`goLive` skips what
/// the replay already evaluated).
///
/// Two tasks: the *pump* replays, writes `ready`, then hands live frames to the loop (written
/// while it is parked, ADR 0046) and writes what it finds queued itself (waiting on the socket's
/// backpressure); the response producer waits for the outcome. An overflow is acted on at once — the producer
/// throws, the connection closes and the pump's pending write fails — even when the pump is
/// stuck behind a client that stopped reading.
final class SSEStream: Sendable {
    private let subscriber: Subscriber
    private let hub: SubscriptionHub
    private let readers: DatabaseReaders
    private let since: Int64?
    private let settings: ChangeFeedSettings
    private let started = Atomic<Bool>(false)
    /// This stream's `retry:` hint: `retryMilliseconds` plus up to half again, drawn per stream, so
    /// clients whose streams close together (a shutdown, a fan-out gap) do not reconnect together.
    private let retryMilliseconds: Int

    init(subscriber: Subscriber, hub: SubscriptionHub, readers: DatabaseReaders, since: Int64?, settings: ChangeFeedSettings) {
        self.subscriber = subscriber
        self.hub = hub
        self.readers = readers
        self.since = since
        self.settings = settings
        retryMilliseconds = settings.retryMilliseconds + Int.random(in: 0...(settings.retryMilliseconds / 2))
    }

    /// If the response was dropped before its producer ran (client gone), free the slot.
    deinit {
        guard !started.load(ordering: .relaxed) else { return }
        let hub = self.hub, id = subscriber.id
        Task { await hub.unregister(id) }
    }

    /// The response producer.
    func run(_ writer: ResponseBodyWriter) async throws {
        started.store(true, ordering: .relaxed)
        // The pump runs on the connection's loop: each frame is written without a hop.
        let pump = Task(executorPreference: writer.preferredExecutor) { await self.pump(writer) }
        let outcome = await subscriber.outcome()
        await hub.unregister(subscriber.id)
        switch outcome {
        case .pumpFinished(let succeeded):
            if !succeeded { throw StreamAborted() }
        case .overflow:
            pump.cancel()
            throw StreamAborted()
        case .clientGone:
            pump.cancel()
        }
    }

    private func pump(_ writer: ResponseBodyWriter) async {
        do {
            try await writer.write(SSEFrames.retry(retryMilliseconds))
            try await catchUp(writer)
            // Live: while this task waits in `next()`, frames go out from the loop directly.
            subscriber.enableDirectWrites(Subscriber.DirectSink(loop: writer.eventLoop) { try writer.writeOnLoop($0) })
            while true {
                switch await subscriber.next() {
                case .frames(let bytes):
                    try await writer.write(bytes)
                case .drain:
                    try await writer.waitUntilDrained()
                case .end(let reason):
                    if let frame = reason.finalFrame { try await writer.write(frame) }
                    subscriber.pumpFinished(succeeded: true)
                    return
                }
            }
        } catch {
            subscriber.pumpFinished(succeeded: false)
        }
    }

    /// Replays from `since` (or starts at the head), switches the subscriber to live and writes
    /// `ready`. A position outside the log's window gets `reset` and continues from the head; one
    /// before a change of the collection's read rule gets `reset` (`rules_changed`) and continues
    /// from the newest such change, so nothing logged under an older rule is replayed. One before a
    /// drop of the collection gets the entries up to the drop first (under the rule the drop
    /// recorded), then the drop's `reset` (`collection_deleted`), in sequence order.
    private func catchUp(_ writer: ResponseBodyWriter) async throws {
        let collection = subscriber.subscription.collection
        let pageSize = settings.replayPageSize
        var position = try await readers.read { connection in try ChangeLog.position(connection) }
        var reached = position.head
        if let since {
            if since > position.head || since < position.horizon {
                try await writer.write(SSEFrames.reset(reason: since > position.head ? "future" : "expired", since: since,
                                                       seq: position.head))
            } else {
                reached = since
                let (marker, drops) = try await readers.read { connection in
                    (try ChangeLog.latestRulesChange(of: collection, after: since, connection),
                     try ChangeLog.drops(of: collection, after: since, connection))
                }
                if let marker {
                    try await writer.write(SSEFrames.reset(reason: RecordAction.rulesChanged.rawValue, since: since, seq: marker))
                    reached = marker
                }
                while !subscriber.isEnded {
                    let after = reached
                    let (current, events) = try await readers.read { connection in
                        try ChangeLog.page(of: collection, after: after, limit: pageSize, connection)
                    }
                    position = current
                    // Ended while the page was read (revoked, expired): write nothing more of it.
                    if subscriber.isEnded { break }
                    if position.horizon > reached {
                        // Pruned while replaying: what is left is no longer complete.
                        try await writer.write(SSEFrames.reset(reason: "expired", since: since, seq: position.head))
                        reached = position.head
                        break
                    }
                    try await writer.write(frames(for: events, drops: drops))
                    if events.count < pageSize {
                        reached = max(events.last?.seq ?? reached, position.head)
                        break
                    }
                    reached = events.last?.seq ?? reached
                }
            }
        }
        // Ended while replaying (token expired, revoked, shutdown): the pump writes the final event.
        guard !subscriber.isEnded else { return }
        subscriber.goLive(after: reached)
        try await writer.write(SSEFrames.ready(seq: reached, retry: retryMilliseconds))
    }

    /// The replayed `events`' frames. An entry logged before a drop of the collection is judged by
    /// the read rule the collection had then (the drop marker records it), not by today's.
    private func frames(for events: [ChangeEvent], drops: [DropMarker]) -> [UInt8] {
        var bytes: [UInt8] = []
        for event in events {
            var candidate = ChangeCandidate(event)
            var subscription = subscriber.subscription
            if let rule = DropMarker.readRule(at: event.seq, in: drops) { subscription.readRule = rule }
            if let delivery = subscription.classify(&candidate) { bytes.append(contentsOf: candidate.frame(delivery)) }
        }
        return bytes
    }
}
