import AppBaseCore
import AppBaseMetrics
import Testing

@Suite("Metrics collector: bus events and samples to metric values")
struct MetricsCollectorTests {
    static func summary(_ app: String = "notes", _ method: String = "GET", _ route: String = "/items/:id",
                        status: Int = 200, micros: Int64 = 1_500) -> BusDelivery {
        .event(.requestsCompleted([RequestSummary(app: app, method: method, route: route, status: status, durationMicros: micros)]))
    }

    static func lifecycle(_ app: String, _ state: AppLifecycleEvent.State) -> BusDelivery {
        .event(.appLifecycle(AppLifecycleEvent(app: app, state: state)))
    }

    static func scrape(_ collector: MetricsCollector) async -> ExpositionSamples {
        ExpositionSamples(await collector.exposition())
    }

    @Test("requests count by app, route, method, status and status class")
    func requestCounters() async {
        let collector = MetricsCollector()
        for delivery in [Self.summary(), Self.summary(), Self.summary(status: 404), Self.summary("blog", "POST", "/posts", status: 201),
                         Self.summary(status: 503)] {
            await collector.apply(delivery)
        }
        let scrape = await Self.scrape(collector)
        let name = MetricNames.requests
        #expect(scrape.value(name, ["app": "notes", "route": "/items/:id", "method": "GET", "status": "200", "status_class": "2xx"]) == 2)
        #expect(scrape.value(name, ["app": "notes", "status": "404", "status_class": "4xx"]) == 1)
        #expect(scrape.value(name, ["app": "notes", "status": "503", "status_class": "5xx"]) == 1)
        #expect(scrape.value(name, ["app": "blog", "route": "/posts", "method": "POST", "status": "201"]) == 1)
    }

    @Test("latency lands in a seconds histogram with sub-millisecond buckets")
    func latencyHistogram() async {
        let collector = MetricsCollector()
        await collector.apply(Self.summary(micros: 300))      // 0.3 ms
        await collector.apply(Self.summary(micros: 40_000))   // 40 ms
        let scrape = await Self.scrape(collector)
        let bucket = MetricNames.requestDuration + "_bucket"
        let labels = ["app": "notes", "route": "/items/:id", "method": "GET"]
        #expect(scrape.value(bucket, labels.merging(["le": "0.00025"]) { $1 }) == 0)
        #expect(scrape.value(bucket, labels.merging(["le": "0.0005"]) { $1 }) == 1)
        #expect(scrape.value(bucket, labels.merging(["le": "0.05"]) { $1 }) == 2)
        #expect(scrape.value(bucket, labels.merging(["le": "+Inf"]) { $1 }) == 2)
        #expect(scrape.value(MetricNames.requestDuration + "_count", labels) == 2)
        let sum = scrape.value(MetricNames.requestDuration + "_sum", labels) ?? 0
        #expect(abs(sum - 0.0403) < 0.000_001)
    }

    @Test("unknown methods and an empty app stay bounded label values")
    func boundedLabels() async {
        let collector = MetricsCollector()
        await collector.apply(Self.summary("", "PROPFIND", "unmatched", status: 404))
        await collector.apply(Self.summary("", "MKCOL", "unmatched", status: 404))
        let scrape = await Self.scrape(collector)
        #expect(scrape.value(MetricNames.requests, ["app": "none", "method": "other", "route": "unmatched"]) == 2)
    }

    @Test("drop signals are counted")
    func droppedCounted() async {
        let collector = MetricsCollector()
        await collector.apply(.dropped(count: 7))
        await collector.apply(.dropped(count: 3))
        let scrape = await Self.scrape(collector)
        #expect(scrape.value(MetricNames.droppedEvents, ["stage": "bus"]) == 10)
    }

    @Test("lifecycle: one state at 1, the others at 0; failed → provisioning is a restart")
    func lifecycleAndRestarts() async {
        let collector = MetricsCollector()
        for state: AppLifecycleEvent.State in [.provisioning, .running, .failed, .provisioning, .running, .stopping, .stopped,
                                               .provisioning, .running] {
            await collector.apply(Self.lifecycle("notes", state))
        }
        let scrape = await Self.scrape(collector)
        #expect(scrape.value(MetricNames.appState, ["app": "notes", "state": "running"]) == 1)
        #expect(scrape.value(MetricNames.appState, ["app": "notes", "state": "failed"]) == 0)
        #expect(scrape.count(MetricNames.appState, ["app": "notes"]) == 6, "every state but deleted has a series")
        #expect(scrape.value(MetricNames.appRestarts, ["app": "notes"]) == 1, "an operator's start is not a restart")
    }

    @Test("health reports set the healthy gauge")
    func health() async {
        let collector = MetricsCollector()
        await collector.apply(.event(.health(HealthReport(app: "notes", healthy: false, message: "db timeout"))))
        #expect(await Self.scrape(collector).value(MetricNames.appHealthy, ["app": "notes"]) == 0)
        await collector.apply(.event(.health(HealthReport(app: "notes", healthy: true, routerMicros: 120, databaseMicros: 80))))
        #expect(await Self.scrape(collector).value(MetricNames.appHealthy, ["app": "notes"]) == 1)
    }

    @Test("samples set the gauges; nil leaves the last value; the turn overflow becomes a counter")
    func samples() async {
        let collector = MetricsCollector()
        await collector.apply(MetricsSample(openConnections: 12, hashQueueDepth: 3, requestSummariesDropped: 5, apps: [
            "notes": AppUsage(sseStreams: 2, records: 40, files: 4, storageBytes: 1_048_576),
        ]))
        await collector.apply(MetricsSample(openConnections: nil, hashQueueDepth: 0, requestSummariesDropped: 9, apps: [
            "notes": AppUsage(records: 41),
        ]))
        let scrape = await Self.scrape(collector)
        #expect(scrape.value(MetricNames.openConnections) == 12)
        #expect(scrape.value(MetricNames.hashQueueDepth) == 0)
        #expect(scrape.value(MetricNames.droppedEvents, ["stage": "loop_turn"]) == 9)
        #expect(scrape.value(MetricNames.sseStreams, ["app": "notes"]) == 2)
        #expect(scrape.value(MetricNames.records, ["app": "notes"]) == 41)
        #expect(scrape.value(MetricNames.files, ["app": "notes"]) == 4)
        #expect(scrape.value(MetricNames.storageBytes, ["app": "notes"]) == 1_048_576)
    }

    @Test("job counts by app, kind and state; a count gone from the table reads 0; the master queue has its own family")
    func jobCounts() async {
        let collector = MetricsCollector()
        func counts(_ entries: [(String, String, Int)]) -> JobCounts {
            var counts = JobCounts()
            for (kind, state, count) in entries { counts.counts[JobCounts.Key(kind: kind, state: state)] = count }
            return counts
        }
        var first = MetricsSample(apps: ["notes": AppUsage(jobs: counts([("changefeed.prune", "done", 1), ("backup", "failed", 2)]))])
        first.masterJobs = counts([("jobs.prune_finished", "queued", 1)])
        await collector.apply(first)
        await collector.apply(MetricsSample(apps: ["notes": AppUsage(jobs: counts([("changefeed.prune", "done", 1)]))]))
        let scrape = await Self.scrape(collector)
        #expect(scrape.value(MetricNames.jobs, ["app": "notes", "kind": "changefeed.prune", "state": "done"]) == 1)
        #expect(scrape.value(MetricNames.jobs, ["app": "notes", "kind": "backup", "state": "failed"]) == 0)
        #expect(scrape.value(MetricNames.masterJobs, ["kind": "jobs.prune_finished", "state": "queued"]) == 1, "nil keeps the master's last value")
        await collector.apply(Self.lifecycle("notes", .deleted))
        #expect(await Self.scrape(collector).value(MetricNames.jobs, ["app": "notes", "kind": "changefeed.prune", "state": "done"]) == nil)
    }

    @Test("a deleted app's series leave the exposition; other apps keep theirs")
    func deletedAppForgotten() async {
        let collector = MetricsCollector()
        await collector.apply(Self.lifecycle("notes", .running))
        await collector.apply(Self.lifecycle("blog", .running))
        await collector.apply(Self.summary("notes"))
        await collector.apply(Self.summary("blog"))
        await collector.apply(.event(.health(HealthReport(app: "notes", healthy: true))))
        await collector.apply(Self.lifecycle("notes", .stopped))
        await collector.apply(Self.lifecycle("notes", .deleted))
        await collector.apply(.event(.health(HealthReport(app: "notes", healthy: true))))
        let scrape = await Self.scrape(collector)
        #expect(!scrape.text.contains("app=\"notes\""))
        #expect(scrape.value(MetricNames.requests, ["app": "blog"]) == 1)
        #expect(scrape.value(MetricNames.appState, ["app": "blog", "state": "running"]) == 1)
    }
}
