import AppBaseCore
@testable import AppBasePlatform
import AppBaseTestSupport
import Logging
import Synchronization
import Testing

/// The HealthMonitor's verdicts, driven round by round on fake apps.
@Suite struct HealthMonitorTests {
    /// The default timeout is long: fake probes answer at once, and a full test run on a loaded
    /// two-core machine can keep a task from being scheduled for over a second.
    private func monitor(_ targets: [FakeProbeTarget], timeoutMillis: Int = 30_000,
                         verdicts: VerdictRecorder) -> (HealthMonitor, EventBus) {
        let bus = EventBus()
        let settings = HealthSettings(intervalMillis: 1000, timeoutMillis: timeoutMillis, failuresBeforeRestart: 2)
        let monitor = HealthMonitor(settings: settings, bus: bus, targets: FakeTargetSource(targets), verdicts: verdicts,
                                    logger: Logger(label: "test"))
        return (monitor, bus)
    }

    @Test func aHealthyAppIsReportedOnTheBusWithBothTimings() async {
        let bus = EventBus()
        let subscription = bus.subscribe(name: "t", capacity: 10, policy: .backpressure)
        let monitor = HealthMonitor(settings: HealthSettings(timeoutMillis: 30_000), bus: bus,
                                    targets: FakeTargetSource([FakeProbeTarget(app: "notes")]),
                                    verdicts: VerdictRecorder(), logger: Logger(label: "test"))
        let reports = await monitor.probeRound()
        #expect(reports.count == 1)
        var iterator = subscription.makeAsyncIterator()
        guard case .event(.health(let report))? = await iterator.next() else {
            Issue.record("no health event on the bus")
            return
        }
        #expect(report.app == "notes")
        #expect(report.healthy)
        #expect(report.routerMicros != nil)
        #expect(report.databaseMicros != nil)
        #expect(report.message == nil)
    }

    @Test func oneFailedProbeDegradesAndAPassingOneRecovers() async {
        let target = FakeProbeTarget(app: "notes")
        let verdicts = VerdictRecorder()
        let (monitor, _) = monitor([target], verdicts: verdicts)
        target.setRouter(.fail)
        let failed = await monitor.probeRound()
        #expect(failed.first?.healthy == false)
        #expect(failed.first?.message?.contains("router down") == true)
        #expect(verdicts.log.events == ["degraded:notes"])
        target.setRouter(.pass)
        await monitor.probeRound()
        #expect(verdicts.log.events == ["degraded:notes", "recovered:notes"])
    }

    @Test func consecutiveFailuresFailTheAppOnceAndStopProbingIt() async {
        let target = FakeProbeTarget(app: "notes")
        let other = FakeProbeTarget(app: "other")
        let verdicts = VerdictRecorder()
        let (monitor, _) = monitor([target, other], verdicts: verdicts)
        target.setDatabase(.fail)
        await monitor.probeRound()
        await monitor.probeRound()
        #expect(verdicts.log.events == ["degraded:notes", "failed:notes"])
        let probesBefore = target.probes.withLock { $0 }
        let third = await monitor.probeRound()
        // The failed start is left to the restarter; the healthy neighbour is still probed.
        #expect(third.map(\.app) == ["other"])
        #expect(target.probes.withLock { $0 } == probesBefore)
        #expect(verdicts.log.count(of: "failed:notes") == 1)
    }

    @Test func aRestartedAppIsProbedAfreshUnderItsNewGeneration() async {
        let first = FakeProbeTarget(app: "notes", generation: 1)
        let source = FakeTargetSource([first])
        let verdicts = VerdictRecorder()
        let monitor = HealthMonitor(settings: HealthSettings(timeoutMillis: 30_000, failuresBeforeRestart: 2), bus: EventBus(), targets: source,
                                    verdicts: verdicts, logger: Logger(label: "test"))
        first.setRouter(.fail)
        await monitor.probeRound()
        await monitor.probeRound()
        let restarted = FakeProbeTarget(app: "notes", generation: 2)
        source.targets.withLock { $0 = [restarted] }
        let reports = await monitor.probeRound()
        #expect(reports.map(\.healthy) == [true])
        #expect(verdicts.log.events == ["degraded:notes", "failed:notes"])
    }

    @Test func aHungDatabaseProbeTimesOutInsteadOfHangingTheRound() async {
        let target = FakeProbeTarget(app: "notes")
        target.setDatabase(.hang)
        let verdicts = VerdictRecorder()
        // Long enough for the passing router probe to be scheduled on a loaded machine; the hung
        // database probe waits all of it out once.
        let (monitor, _) = monitor([target], timeoutMillis: 3000, verdicts: verdicts)
        let reports = await monitor.probeRound()
        // The round came back while the probe was still hung: nothing released it yet.
        let stillHung = !target.released.load(ordering: .acquiring)
        // The next round does not queue another probe behind the hung one: it fails at once.
        let probesBefore = target.probes.withLock { $0 }
        let second = await monitor.probeRound()
        let probesAfter = target.probes.withLock { $0 }
        target.releaseHangs()
        #expect(stillHung)
        #expect(second.first?.message == "an earlier probe is still unanswered after 3000 ms")
        #expect(probesAfter == probesBefore)
        #expect(verdicts.log.events == ["degraded:notes", "failed:notes"])
        #expect(reports.first?.healthy == false)
        #expect(reports.first?.databaseMicros == nil)
        #expect(reports.first?.routerMicros != nil)
        #expect(reports.first?.message?.contains("no answer within 3000 ms") == true)
    }

    @Test func theMonitorProbesOnItsOwnUntilStopped() async {
        let target = FakeProbeTarget(app: "notes")
        target.setRouter(.fail)
        let verdicts = VerdictRecorder()
        let bus = EventBus()
        let monitor = HealthMonitor(settings: HealthSettings(intervalMillis: 100, timeoutMillis: 30_000, failuresBeforeRestart: 2),
                                    bus: bus, targets: FakeTargetSource([target]), verdicts: verdicts, logger: Logger(label: "test"))
        await monitor.start()
        // Only bounds a hang: a starved pool on a loaded 2-core machine has taken over 10 s.
        #expect(await verdicts.log.wait(for: "failed:notes", timeout: .seconds(60)))
        await monitor.stop()
    }
}
