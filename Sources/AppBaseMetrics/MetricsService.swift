import AppBaseCore
import Synchronization

/// Metrics for the whole process: subscribes to the bus (drop-and-signal — a slow collector
/// loses summaries and counts them, it never slows a request or a publisher), samples the
/// gauges that are read rather than pushed, and renders the exposition for `GET /metrics`.
///
/// Life: `start()` once, `stop()` once at shutdown (cancels the subscription, which ends the
/// consumer, and the sampler).
public final class MetricsService: Sendable {
    public let settings: MetricsSettings
    public let collector: MetricsCollector
    private let subscription: BusSubscription
    private let source: (any MetricsSampleSource)?
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// Events buffered between two polls before the bus starts dropping (and counting) them:
    /// 65,536 per 100 ms is far above what one loop answers.
    public static let defaultCapacity = 65_536
    /// How often the collector empties its buffer (and before every scrape). Polling, rather than
    /// awaiting each event, means a publisher never wakes the collector's thread: on the loop a
    /// request costs an append under an uncontended lock and nothing else.
    public static let pollInterval = Duration.milliseconds(100)

    /// Subscribes at once, so nothing published after `init` is missed.
    public init(bus: EventBus, settings: MetricsSettings = MetricsSettings(), source: (any MetricsSampleSource)? = nil,
                capacity: Int = MetricsService.defaultCapacity) {
        self.settings = settings
        self.source = source
        collector = MetricsCollector()
        subscription = bus.subscribe(name: "metrics", capacity: capacity, policy: .dropAndSignal) { event in
            if case .audit = event { return false }
            return true
        }
    }

    /// Starts the consumer and the sampler.
    public func start() {
        let subscription = self.subscription, collector = self.collector
        let consumer = Task {
            while !Task.isCancelled {
                await collector.drain(subscription)
                try? await Task.sleep(for: Self.pollInterval)
            }
        }
        var started = [consumer]
        if let source {
            let interval = Duration.seconds(settings.sampleIntervalSeconds)
            started.append(Task {
                while !Task.isCancelled {
                    await collector.apply(await source.metricsSample())
                    try? await Task.sleep(for: interval)
                }
            })
        }
        tasks.withLock { $0.append(contentsOf: started) }
    }

    /// The exposition, after taking in every event published so far.
    public func exposition() async -> [UInt8] {
        await collector.drain(subscription)
        return await collector.exposition()
    }

    /// Takes one sample now (tests, and a scrape that wants fresh gauges).
    public func sampleNow() async {
        guard let source else { return }
        await collector.apply(await source.metricsSample())
    }

    /// Ends the subscription and the sampler; waits for both.
    public func stop() async {
        subscription.cancel()
        let running = tasks.withLock { tasks -> [Task<Void, Never>] in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in running {
            task.cancel()
            await task.value
        }
    }
}
