import AppBaseCore
import CoreMetrics
import Prometheus

/// Turns bus events and samples into metric values (swift-metrics handles backed by a
/// Prometheus registry of its own: no global `MetricsSystem` bootstrap, so two servers in one
/// test process never share counters).
///
/// An actor: the bus consumer and the sampler both feed it; the handles are cached here so
/// an event costs a dictionary lookup, not a registry lookup.
public actor MetricsCollector {
    /// Where the values live; `exposition()` renders it.
    public nonisolated let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    private struct RequestKey: Hashable {
        let app: String, route: String, method: String, status: Int
    }
    private struct LatencyKey: Hashable {
        let app: String, route: String, method: String
    }
    private enum UsageKind {
        case sseStreams, records, files, storageBytes
    }

    private var requestCounters: [RequestKey: CoreMetrics.Counter] = [:]
    private var latencyTimers: [LatencyKey: CoreMetrics.Timer] = [:]
    /// The last summary's series: the summaries of a batch mostly repeat one route, and
    /// comparing its fields (the same string storage) costs less than hashing them twice.
    private var lastRequest: (key: RequestKey, counter: CoreMetrics.Counter, timer: CoreMetrics.Timer)?
    private var states: [String: AppLifecycleEvent.State] = [:]
    private var stateGauges: [String: [AppLifecycleEvent.State: CoreMetrics.Gauge]] = [:]
    private var healthGauges: [String: CoreMetrics.Gauge] = [:]
    private var restartCounters: [String: CoreMetrics.Counter] = [:]
    private var usageGauges: [String: [UsageKind: CoreMetrics.Gauge]] = [:]
    /// Job gauges by queue (an app's name, or nil for the master's) and (kind, state).
    private var jobGauges: [String?: [JobCounts.Key: CoreMetrics.Gauge]] = [:]
    private let busDropped: CoreMetrics.Counter
    private let turnDropped: CoreMetrics.Counter
    private var turnDroppedSeen = 0
    private let openConnections: CoreMetrics.Gauge
    private let hashQueueDepth: CoreMetrics.Gauge

    /// Latency buckets (seconds): sub-millisecond loop answers up to slow uploads.
    public static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Methods kept as label values; anything else is `other` (the parser accepts dozens).
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[MetricNames.requestDuration] = Self.latencyBuckets
        self.registry = registry
        self.factory = factory
        busDropped = CoreMetrics.Counter(label: MetricNames.droppedEvents, dimensions: [("stage", "bus")], factory: factory)
        turnDropped = CoreMetrics.Counter(label: MetricNames.droppedEvents, dimensions: [("stage", "loop_turn")], factory: factory)
        openConnections = CoreMetrics.Gauge(label: MetricNames.openConnections, factory: factory)
        hashQueueDepth = CoreMetrics.Gauge(label: MetricNames.hashQueueDepth, factory: factory)
    }

    /// The Prometheus text exposition (format 0.0.4) of every metric.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }

    /// Applies everything `subscription` holds now (in batches, without waiting for more).
    public func drain(_ subscription: BusSubscription) {
        while true {
            let (events, dropped) = subscription.drain(limit: 1024)
            if dropped > 0 { apply(.dropped(count: dropped)) }
            for event in events { apply(.event(event)) }
            if events.count < 1024 { return }
        }
    }

    /// Applies one bus delivery.
    public func apply(_ delivery: BusDelivery) {
        switch delivery {
        case .dropped(let count):
            busDropped.increment(by: count)
        case .event(.requestsCompleted(let summaries)):
            for summary in summaries { record(summary) }
        case .event(.appLifecycle(let event)):
            record(event)
        case .event(.health(let report)) where states[report.app] != .deleted:
            healthGauge(report.app).record(report.healthy ? 1 : 0)
        case .event(.health):
            break  // a late probe of a deleted app: its series are gone and stay gone
        case .event(.audit):
            break
        }
    }

    /// Applies a sample; nil fields keep their last value.
    public func apply(_ sample: MetricsSample) {
        if let value = sample.openConnections { openConnections.record(value) }
        if let value = sample.hashQueueDepth { hashQueueDepth.record(value) }
        if let total = sample.requestSummariesDropped, total > turnDroppedSeen {
            turnDropped.increment(by: total - turnDroppedSeen)
            turnDroppedSeen = total
        }
        for (app, usage) in sample.apps where states[app] != .deleted {
            if let value = usage.sseStreams { usageGauge(app, .sseStreams).record(value) }
            if let value = usage.records { usageGauge(app, .records).record(value) }
            if let value = usage.files { usageGauge(app, .files).record(value) }
            if let value = usage.storageBytes { usageGauge(app, .storageBytes).record(value) }
            if let jobs = usage.jobs { record(jobs, queue: app) }
        }
        if let jobs = sample.masterJobs { record(jobs, queue: nil) }
    }

    /// Sets the queue's job gauges; a (kind, state) seen before and absent now reads 0.
    private func record(_ jobs: JobCounts, queue app: String?) {
        var gauges = jobGauges[app] ?? [:]
        for (key, gauge) in gauges where jobs.counts[key] == nil { gauge.record(0) }
        for (key, count) in jobs.counts {
            let gauge = gauges[key] ?? {
                var dimensions = [("kind", key.kind), ("state", key.state)]
                if let app { dimensions.insert(("app", app), at: 0) }
                return CoreMetrics.Gauge(label: app == nil ? MetricNames.masterJobs : MetricNames.jobs, dimensions: dimensions,
                                         factory: factory)
            }()
            gauges[key] = gauge
            gauge.record(count)
        }
        jobGauges[app] = gauges
    }

    private func record(_ summary: RequestSummary) {
        let app = summary.app.isEmpty ? "none" : summary.app
        let method = Self.knownMethods.contains(summary.method) ? summary.method : "other"
        let factory = self.factory
        let key = RequestKey(app: app, route: summary.route, method: method, status: summary.status)
        let micros = Swift.max(0, summary.durationMicros)
        if let last = lastRequest, last.key == key {
            last.counter.increment()
            last.timer.recordMicroseconds(micros)
            return
        }
        let counter = Self.cached(&requestCounters, key) {
            CoreMetrics.Counter(label: MetricNames.requests, dimensions: [
                ("app", app), ("route", summary.route), ("method", method),
                ("status", String(summary.status)), ("status_class", "\(summary.status / 100)xx"),
            ], factory: factory)
        }
        let timer = Self.cached(&latencyTimers, LatencyKey(app: app, route: summary.route, method: method)) {
            CoreMetrics.Timer(label: MetricNames.requestDuration, dimensions: [("app", app), ("route", summary.route), ("method", method)],
                              factory: factory)
        }
        lastRequest = (key, counter, timer)
        counter.increment()
        timer.recordMicroseconds(micros)
    }

    private func record(_ event: AppLifecycleEvent) {
        let previous = states[event.app]
        guard event.state != .deleted else {
            forget(event.app)
            states[event.app] = .deleted
            return
        }
        states[event.app] = event.state
        let restarts = restartCounter(event.app)
        if event.state == .provisioning && previous == .failed { restarts.increment() }
        var gauges = stateGauges[event.app] ?? [:]
        for state in AppLifecycleEvent.State.allCases where state != .deleted {
            let gauge = gauges[state] ?? CoreMetrics.Gauge(label: MetricNames.appState,
                                                           dimensions: [("app", event.app), ("state", state.rawValue)],
                                                           factory: factory)
            gauges[state] = gauge
            gauge.record(state == event.state ? 1 : 0)
        }
        stateGauges[event.app] = gauges
    }

    /// A deleted app's series leave the exposition (its name may come back as a new app).
    private func forget(_ app: String) {
        if lastRequest?.key.app == app { lastRequest = nil }
        for (key, counter) in requestCounters where key.app == app {
            counter.destroy()
            requestCounters[key] = nil
        }
        for (key, timer) in latencyTimers where key.app == app {
            timer.destroy()
            latencyTimers[key] = nil
        }
        stateGauges.removeValue(forKey: app)?.values.forEach { $0.destroy() }
        healthGauges.removeValue(forKey: app)?.destroy()
        restartCounters.removeValue(forKey: app)?.destroy()
        usageGauges.removeValue(forKey: app)?.values.forEach { $0.destroy() }
        jobGauges.removeValue(forKey: app)?.values.forEach { $0.destroy() }
    }

    private func restartCounter(_ app: String) -> CoreMetrics.Counter {
        let factory = self.factory
        return Self.cached(&restartCounters, app) {
            CoreMetrics.Counter(label: MetricNames.appRestarts, dimensions: [("app", app)], factory: factory)
        }
    }

    private func healthGauge(_ app: String) -> CoreMetrics.Gauge {
        let factory = self.factory
        return Self.cached(&healthGauges, app) {
            CoreMetrics.Gauge(label: MetricNames.appHealthy, dimensions: [("app", app)], factory: factory)
        }
    }

    /// The handle cached under `key`, made (and registered) on first use.
    private static func cached<Key: Hashable, Handle>(_ cache: inout [Key: Handle], _ key: Key,
                                                      make: () -> Handle) -> Handle {
        if let handle = cache[key] { return handle }
        let handle = make()
        cache[key] = handle
        return handle
    }

    private func usageGauge(_ app: String, _ kind: UsageKind) -> CoreMetrics.Gauge {
        if let gauge = usageGauges[app]?[kind] { return gauge }
        let name: String
        switch kind {
        case .sseStreams: name = MetricNames.sseStreams
        case .records: name = MetricNames.records
        case .files: name = MetricNames.files
        case .storageBytes: name = MetricNames.storageBytes
        }
        let gauge = CoreMetrics.Gauge(label: name, dimensions: [("app", app)], factory: factory)
        usageGauges[app, default: [:]][kind] = gauge
        return gauge
    }
}
