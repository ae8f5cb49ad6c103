import AppBaseCore
import AppBaseHTTP
import OrderedCollections

/// `GET /api/events`: `text/event-stream` of lifecycle and health events for the UI, written
/// with the shared `ServerSentEvent` encoder and `ResponseBodyWriter`. Starts with a `snapshot`
/// event (every AppInfo); a comment line every `heartbeat` keeps proxies from closing it.
/// The stream's bus subscription drops (and says so) rather than slowing publishers: a
/// `dropped` event tells the client to refetch `/api/apps`.
extension ControlPlane {
    /// Events buffered per stream before the oldest new ones are dropped.
    static let streamBuffer = 256

    func registerEventsRoute(on routes: inout RouteTable) {
        routes.add(.GET, "/api/events", auth: .none) { [self] request, _ in
            try await authenticate(request)
            // Subscribed before the snapshot is taken, so no change falls between the two.
            let subscription = bus.subscribe(name: "control-plane-events", capacity: Self.streamBuffer, policy: .dropAndSignal) {
                switch $0 {
                case .appLifecycle, .health: return true
                case .audit, .requestsCompleted: return false
                }
            }
            guard streams.add(subscription) else {
                throw AppBaseError(status: 503, code: .unavailable, message: "The server is shutting down.")
            }
            let snapshot = await appList()
            let headers = HTTPHeaders([
                ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no"),
            ])
            return HTTPResponse(status: 200, headers: headers, body: .stream(contentLength: nil) { [self] writer in
                defer {
                    streams.remove(subscription)
                    subscription.cancel()
                }
                try await writer.write(ServerSentEvent(event: "snapshot", data: snapshot.serialized()).encoded())
                try await pump(subscription, to: writer)
            })
        }
    }

    /// Writes bus events and heartbeats until the subscription ends (shutdown) or the client goes.
    private func pump(_ subscription: BusSubscription, to writer: ResponseBodyWriter) async throws {
        let heartbeat = self.heartbeat
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A timer, not a synchronisation: the heartbeat is wall-clock by definition.
                while !Task.isCancelled {
                    try await Task.sleep(for: heartbeat)
                    try await writer.write(ServerSentEvent.comment("heartbeat"))
                }
            }
            group.addTask { [self] in
                for await delivery in subscription {
                    guard let event = sseEvent(delivery) else { continue }
                    try await writer.write(event.encoded())
                }
            }
            // The first child to finish (the bus loop at shutdown, or a write to a gone client)
            // ends the stream.
            try await group.next()
            group.cancelAll()
        }
    }

    private func sseEvent(_ delivery: BusDelivery) -> ServerSentEvent? {
        let now = clock.nowMilliseconds()
        switch delivery {
        case .event(.appLifecycle(let event)):
            return ServerSentEvent(event: "lifecycle", data: Self.lifecycleJSON(event, at: now).serialized())
        case .event(.health(let report)):
            return ServerSentEvent(event: "health", data: Self.healthJSON(report, at: now).serialized())
        case .dropped(let count):
            return ServerSentEvent(event: "dropped", data: JSONValue.object(["count": .int(Int64(count))]).serialized())
        case .event:
            return nil
        }
    }
}
