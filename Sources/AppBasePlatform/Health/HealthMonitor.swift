import AppBaseCore
import Logging

/// Probes every serving app periodically and publishes each result on the bus as `.health`.
///
/// Each round sends `GET /health` through every app's router (in-process, not over TCP) and
/// runs a query on its database, each against `[health] timeout_ms`. One failed round moves
/// an app `running → degraded`; a passing round moves it back; `failures_before_restart`
/// consecutive failures make it `failed`, which the verdict handler answers with a restart.
/// A failed app is not probed again until a new start of it (a new `generation`) appears.
public actor HealthMonitor {
    private enum State {
        case idle
        case running(Task<Void, Never>)
        case stopped
    }

    /// What the monitor remembers about one app between rounds.
    private struct AppRecord {
        enum Verdict { case healthy, degraded, failed }
        var generation: Int
        var consecutiveFailures = 0
        var verdict = Verdict.healthy
    }

    private let settings: HealthSettings
    private let bus: EventBus
    private let targets: any HealthTargetSource
    private let verdicts: any HealthVerdictHandling
    private let logger: Logger
    private var state = State.idle
    private var records: [String: AppRecord] = [:]
    /// Probes that outlived their deadline and have not ended yet, by app and generation. While
    /// one is out, the app is not probed again: it fails at once (its writer is still stuck),
    /// so a hang is failed after `failures_before_restart` rounds, not after as many timeouts.
    private var stuck: [String: (generation: Int, probes: LateProbes)] = [:]

    public init(settings: HealthSettings, bus: EventBus, targets: any HealthTargetSource,
                verdicts: any HealthVerdictHandling, logger: Logger) {
        self.settings = settings
        self.bus = bus
        self.targets = targets
        self.verdicts = verdicts
        self.logger = logger
    }

    /// Starts probing every `interval_ms` until `stop()`.
    public func start() {
        guard case .idle = state else { return }
        let interval = settings.intervalMillis
        state = .running(Task { [weak self] in
            let clock = ContinuousClock()
            var next = clock.now
            while !Task.isCancelled {
                guard let self else { return }
                _ = await self.probeRound()
                // A fixed cadence: a round slowed by a timeout does not push the next one back,
                // so a hung app is failed after `failures_before_restart` intervals, not later.
                next = max(next.advanced(by: .milliseconds(interval)), clock.now)
                try? await Task.sleep(until: next, clock: clock)
            }
        })
    }

    /// Stops probing; a round in progress finishes its probes but starts no restart.
    public func stop() {
        if case .running(let task) = state { task.cancel() }
        state = .stopped
    }

    /// Probes every serving app once, concurrently, and acts on the results.
    /// Returns the reports published (tests drive rounds with this instead of waiting).
    @discardableResult
    public func probeRound() async -> [HealthReport] {
        let serving = await targets.healthTargets()
        let live = Set(serving.map(\.app))
        records = records.filter { live.contains($0.key) }
        let due = serving.filter { target in
            guard let record = records[target.app], record.generation == target.generation else { return true }
            return record.verdict != .failed
        }
        let timeout = settings.timeoutMillis
        var reports: [HealthReport] = []
        var probing: [any HealthProbeTarget] = []
        var stillStuck: [String: (generation: Int, probes: LateProbes)] = [:]
        for target in due {
            if let hung = stuck[target.app], hung.generation == target.generation, hung.probes.isStuck {
                reports.append(HealthReport(app: target.app, healthy: false,
                                            message: "an earlier probe is still unanswered after \(timeout) ms"))
                stillStuck[target.app] = hung
            } else {
                probing.append(target)
            }
        }
        let probed = await withTaskGroup(of: (HealthReport, LateProbes, Int).self) { group in
            for target in probing {
                let generation = target.generation
                group.addTask {
                    let (report, late) = await Self.probe(target, timeoutMillis: timeout)
                    return (report, late, generation)
                }
            }
            var results: [(HealthReport, LateProbes, Int)] = []
            for await result in group { results.append(result) }
            return results
        }
        for (report, late, generation) in probed where late.isStuck { stillStuck[report.app] = (generation, late) }
        stuck = stillStuck
        reports += probed.map(\.0)
        let generations = Dictionary(due.map { ($0.app, $0.generation) }, uniquingKeysWith: { first, _ in first })
        for report in reports.sorted(by: { $0.app < $1.app }) {
            await bus.publish(.health(report))
            await verdicts.recordReport(report)
            await judge(report, generation: generations[report.app] ?? 0)
        }
        return reports
    }

    /// Both probes of one app, concurrently, each against the timeout; also which of them are
    /// still running past it.
    static func probe(_ target: any HealthProbeTarget, timeoutMillis: Int) async -> (HealthReport, LateProbes) {
        let late = LateProbes()
        async let router = ProbeDeadline.run(timeoutMillis: timeoutMillis, settled: { late.settled(0) }) {
            try await target.probeRouter()
        }
        // The writer check is instantaneous (the age of its current job), unlike a probe that waits
        // out the timeout, so it fails at half the timeout: with the two failed rounds a restart
        // needs, a hung writer is still detected within about two intervals (ADR 0018).
        async let database = ProbeDeadline.run(timeoutMillis: timeoutMillis, settled: { late.settled(1) }) {
            try await target.probeDatabase(stuckAfter: .milliseconds(timeoutMillis / 2))
        }
        let (routerOutcome, databaseOutcome) = await (router, database)
        for (index, outcome) in [routerOutcome, databaseOutcome].enumerated() {
            if case .timedOut = outcome { late.markLate(index) }
        }
        var problems: [String] = []
        if let problem = describe(routerOutcome) { problems.append("router: \(problem)") }
        if let problem = describe(databaseOutcome) { problems.append("database: \(problem)") }
        let report = HealthReport(app: target.app, healthy: problems.isEmpty, routerMicros: routerOutcome.micros,
                                  databaseMicros: databaseOutcome.micros,
                                  message: problems.isEmpty ? nil : problems.joined(separator: "; "))
        return (report, late)
    }

    private static func describe(_ outcome: ProbeDeadline.Outcome) -> String? {
        switch outcome {
        case .passed: return nil
        case .failed(let reason): return reason
        case .timedOut(let millis): return "no answer within \(millis) ms"
        }
    }

    /// Moves the app's verdict and tells the handler about a change. Re-reads the record
    /// after every await: the handler may take a while and a new round may have run meanwhile.
    private func judge(_ report: HealthReport, generation: Int) async {
        var record = records[report.app].flatMap { $0.generation == generation ? $0 : nil }
            ?? AppRecord(generation: generation)
        let before = record.verdict
        if report.healthy {
            record.consecutiveFailures = 0
            record.verdict = .healthy
        } else {
            record.consecutiveFailures += 1
            record.verdict = record.consecutiveFailures >= settings.failuresBeforeRestart ? .failed : .degraded
        }
        records[report.app] = record
        // Rounds driven by hand (tests) act too; only a stopped monitor stays quiet.
        if case .stopped = state { return }
        await announce(report, from: before, to: record.verdict)
    }

    private func announce(_ report: HealthReport, from before: AppRecord.Verdict, to after: AppRecord.Verdict) async {
        let reason = report.message ?? "unhealthy"
        switch (before, after) {
        case (.healthy, .degraded):
            logger.warning("app \(report.app) degraded: \(reason)")
            await verdicts.appDegraded(report.app, reason: reason)
        case (.degraded, .healthy), (.failed, .healthy):
            logger.info("app \(report.app) healthy again")
            await verdicts.appRecovered(report.app)
        case (.healthy, .failed), (.degraded, .failed):
            logger.error("app \(report.app) failed \(settings.failuresBeforeRestart) health probes in a row: \(reason)")
            await verdicts.appFailed(report.app, reason: reason)
        default:
            break
        }
    }
}
