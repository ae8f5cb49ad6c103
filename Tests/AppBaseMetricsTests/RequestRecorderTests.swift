import AppBaseCore
import AppBaseTestSupport
import Logging
import Testing
@testable import AppBaseHTTP

@Suite("Request recorder: summaries on the bus, per loop turn")
struct RequestRecorderTests {
    static func request(_ method: String = "GET", _ path: String = "/items/1") -> HTTPRequest {
        HTTPRequest(methodName: method, path: path, startedAt: MonotonicTime.nanoseconds())
    }

    static func response(_ status: Int, app: String = "notes", route: String = "/items/:id") -> HTTPResponse {
        var response = HTTPResponse(status: status)
        response.routeLabel = RouteLabel(app: app, pattern: route)
        return response
    }

    /// A bus with one drop-and-signal subscriber of `capacity`, and a recorder the test flushes.
    static func fixture(capacity: Int = 16, maxPerTurn: Int = 16) -> (BusSubscription, RequestRecorder) {
        let bus = EventBus()
        return (bus.subscribe(name: "test", capacity: capacity, policy: .dropAndSignal), RequestRecorder(bus: bus, maxPerTurn: maxPerTurn))
    }

    /// The summaries in `deliveries`' request batches, in order.
    static func summaries(_ deliveries: [BusDelivery]) -> [RequestSummary] {
        deliveries.flatMap { delivery -> [RequestSummary] in
            if case .event(.requestsCompleted(let batch)) = delivery { return batch }
            return []
        }
    }

    /// Takes `count` deliveries that are already buffered (never waits for new ones).
    static func drain(_ subscription: BusSubscription, count: Int) async -> [BusDelivery] {
        var deliveries: [BusDelivery] = []
        var iterator = subscription.makeAsyncIterator()
        for _ in 0..<count {
            guard let delivery = await iterator.next() else { break }
            deliveries.append(delivery)
        }
        return deliveries
    }

    @Test("nothing is published until the turn's flush; then one event with a summary per request, in order")
    func batchedPerTurn() async {
        let (subscription, recorder) = Self.fixture()
        recorder.record(Self.request("GET"), Self.response(200))
        recorder.record(Self.request("POST", "/items"), Self.response(201, route: "/items"))
        recorder.record(Self.request("DELETE"), Self.response(404))
        #expect(subscription.pendingCount == 0)
        recorder.flush()
        #expect(subscription.pendingCount == 1, "one event per turn, whatever the number of requests")
        let summaries = Self.summaries(await Self.drain(subscription, count: 1))
        #expect(summaries.map(\.method) == ["GET", "POST", "DELETE"])
        #expect(summaries.map(\.route) == ["/items/:id", "/items", "/items/:id"])
        #expect(summaries.map(\.status) == [200, 201, 404])
        #expect(summaries.allSatisfy { $0.app == "notes" && $0.durationMicros >= 0 })
        recorder.flush()
        #expect(subscription.pendingCount == 0, "a second flush publishes nothing new")
        subscription.cancel()
    }

    @Test("a full subscriber drops whole turns and is told how many summaries it lost; the recorder never waits")
    func droppedAreCounted() async {
        let (subscription, recorder) = Self.fixture(capacity: 2, maxPerTurn: 100)
        // Four turns of 1, 2, 3 and 4 requests into a buffer of two events: the last two turns are dropped.
        for turn in 1...4 {
            for _ in 0..<turn { recorder.record(Self.request(), Self.response(200)) }
            recorder.flush()
        }
        let deliveries = await Self.drain(subscription, count: 3)
        #expect(deliveries.count == 3)
        if case .event = deliveries[0], case .event = deliveries[1], case .dropped(let count) = deliveries[2] {
            #expect(count == 7, "3 + 4 summaries lost")
        } else {
            Issue.record("expected two events, then a drop signal; got \(deliveries)")
        }
        #expect(Self.summaries(Array(deliveries.prefix(2))).count == 3)
        subscription.cancel()
    }

    @Test("a polling subscriber drains what is buffered and the drop count, without waiting")
    func drainWithoutWaiting() {
        let (subscription, recorder) = Self.fixture(capacity: 3, maxPerTurn: 100)
        for _ in 0..<5 {
            recorder.record(Self.request(), Self.response(200))
            recorder.flush()
        }
        let first = subscription.drain(limit: 2)
        #expect(first.events.count == 2 && first.dropped == 2)
        let second = subscription.drain(limit: 10)
        #expect(second.events.count == 1 && second.dropped == 0)
        #expect(subscription.drain(limit: 10).events.isEmpty)
        // A later turn publishes only its own summaries.
        recorder.record(Self.request(), Self.response(204))
        recorder.flush()
        let third = subscription.drain(limit: 10)
        #expect(third.events.count == 1)
        let statuses = Self.summaries(third.events.map { .event($0) }).map(\.status)
        #expect(statuses == [204])
        subscription.cancel()
    }

    @Test("a turn past maxPerTurn keeps the first ones and counts the rest")
    func overflowPerTurn() async {
        let (subscription, recorder) = Self.fixture(maxPerTurn: 2)
        for _ in 0..<5 { recorder.record(Self.request(), Self.response(200)) }
        recorder.flush()
        let kept = Self.summaries(await Self.drain(subscription, count: 1))
        #expect(kept.count == 2)
        #expect(recorder.droppedInTurn == 3)
        subscription.cancel()
    }

    @Test("an unparsed request is not recorded; an unlabelled answer counts as app \"\", route unmatched")
    func unlabelled() async {
        let (subscription, recorder) = Self.fixture()
        recorder.record(nil, HTTPResponse(status: 400))
        recorder.record(Self.request(), HTTPResponse(status: 413))
        recorder.flush()
        let deliveries = await Self.drain(subscription, count: 1)
        let summaries = Self.summaries(deliveries)
        guard summaries.count == 1, let summary = summaries.first else {
            Issue.record("expected one summary, got \(deliveries)")
            return
        }
        #expect(summary.app == "" && summary.route == RouteLabel.unmatchedPattern && summary.status == 413)
        #expect(subscription.pendingCount == 0)
        subscription.cancel()
    }

    @Test("a live server publishes the matched route pattern, never the raw path")
    func liveServerPublishesPatterns() async throws {
        var routes = RouteTable()
        routes.addInline(.GET, "/items/:id") { _, _ in HTTPResponse(status: 200) }
        routes.add(.POST, "/items", auth: .none) { _, _ in HTTPResponse(status: 201) }
        let router = Router(app: "notes", routes: routes, cors: .disabled, limits: HTTPLimits(), authenticator: nil,
                            logger: Logger(label: "test"))
        let bus = EventBus()
        let subscription = bus.subscribe(name: "test", capacity: 64, policy: .dropAndSignal)
        let host = try await TestHTTPHost.start(serving: router, bus: bus)
        let requests = ["GET /items/42 HTTP/1.1\r\nHost: x\r\n\r\n",
                        "POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                        "GET /nowhere/at/all HTTP/1.1\r\nHost: x\r\n\r\n"]
        var statuses: [Int] = []
        for text in requests {
            statuses.append(try await RawHTTPClient.exchange(port: host.port, pieces: [Array(text.utf8)]).status)
        }
        #expect(statuses == [200, 201, 404])
        // Each exchange ended before the next began, so each turn answered one request; wait for
        // all three summaries however the turns fell.
        var summaries: [RequestSummary] = []
        var iterator = subscription.makeAsyncIterator()
        while summaries.count < 3, let delivery = await iterator.next() { summaries += Self.summaries([delivery]) }
        #expect(summaries.map(\.route) == ["/items/:id", "/items", RouteLabel.unmatchedPattern])
        #expect(summaries.map(\.status) == [200, 201, 404])
        #expect(summaries.allSatisfy { $0.app == "notes" })
        subscription.cancel()
        await host.shutdown()
    }
}
