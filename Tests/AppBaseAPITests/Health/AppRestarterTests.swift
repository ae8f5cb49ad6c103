import AppBaseCore
@testable import AppBasePlatform
import AppBaseTestSupport
import Logging
import Synchronization
import Testing

/// A subtree that records teardowns and starts, and fails its first `failingStarts` starts.
final class FakeRestartable: AppRestarting {
    let log = EventLog()
    private let failingStarts: Mutex<Int>
    init(failingStarts: Int = 0) { self.failingStarts = Mutex(failingStarts) }

    func tearDown(app: String, reason: String) async { log.record("down:\(app)") }

    let failures = Mutex<[String]>([])
    func recordFailure(app: String, message: String) async { failures.withLock { $0.append(message) } }

    func startAgain(app: String) async throws {
        let fails = failingStarts.withLock { count -> Bool in
            defer { count -= 1 }
            return count > 0
        }
        log.record(fails ? "start-failed:\(app)" : "up:\(app)")
        if fails { throw TestFailure("migration failed") }
    }
}

/// One-for-one restarts: teardown, backoff, start; the intensity limit leaves an app failed.
@Suite struct AppRestarterTests {
    private let fast = RestartPolicy(initialBackoffMillis: 1, maxBackoffMillis: 4, maxRestarts: 3, windowMillis: 60_000)

    @Test func aFailedAppIsTornDownAndStartedAgain() async {
        let target = FakeRestartable()
        let restarter = AppRestarter(policy: fast, target: target, clock: ManualWallClock(), logger: Logger(label: "test"))
        await restarter.appFailed("notes", reason: "probe failed")
        await restarter.settle("notes")
        #expect(target.log.events == ["down:notes", "up:notes"])
        #expect(await restarter.restarts(of: "notes") == 1)
        #expect(target.failures.withLock { $0 } == ["restart 1 of 3 in 1 ms: probe failed"])
    }

    @Test func aSecondFailureReportDuringARestartIsIgnored() async {
        let target = FakeRestartable()
        let restarter = AppRestarter(policy: RestartPolicy(initialBackoffMillis: 50, maxRestarts: 3), target: target,
                                     clock: ManualWallClock(), logger: Logger(label: "test"))
        await restarter.appFailed("notes", reason: "probe failed")
        await restarter.appFailed("notes", reason: "probe failed again")
        await restarter.settle("notes")
        #expect(target.log.events == ["down:notes", "up:notes"])
    }

    @Test func startsThatKeepFailingHitTheIntensityLimitAndStayFailed() async {
        let target = FakeRestartable(failingStarts: 100)
        let restarter = AppRestarter(policy: fast, target: target, clock: ManualWallClock(), logger: Logger(label: "test"))
        await restarter.appFailed("notes", reason: "hung writer")
        await restarter.settle("notes")
        #expect(target.log.count(of: "start-failed:notes") == 3)
        #expect(target.log.events.last == "down:notes")
        #expect(await restarter.isRestarting("notes") == false)
        let messages = target.failures.withLock { $0 }
        #expect(messages.count == 4)
        #expect(messages.last?.hasPrefix("gave up after 3 restarts in 60 s") == true)
    }

    @Test func anOperatorStartForgetsEarlierFailures() async {
        let target = FakeRestartable(failingStarts: 100)
        let restarter = AppRestarter(policy: fast, target: target, clock: ManualWallClock(), logger: Logger(label: "test"))
        await restarter.appFailed("notes", reason: "crash")
        await restarter.settle("notes")
        await restarter.forget("notes")
        await restarter.appFailed("notes", reason: "crash")
        await restarter.settle("notes")
        // Three attempts again after the reset, not an immediate give-up.
        #expect(target.log.count(of: "start-failed:notes") == 6)
    }
}

/// An operator's action, seen on the bus, resets the restart history.
@Suite struct AppRestarterFollowTests {
    @Test func anOperatorStartSeenOnTheBusForgetsEarlierRestarts() async {
        let target = FakeRestartable(failingStarts: 100)
        let bus = EventBus()
        let restarter = AppRestarter(policy: RestartPolicy(initialBackoffMillis: 1, maxBackoffMillis: 4, maxRestarts: 2),
                                     target: target, clock: ManualWallClock(), logger: Logger(label: "test"))
        let subscription = AppRestarter.subscribe(to: bus)
        let following = Task { await restarter.follow(subscription) }
        await restarter.appFailed("notes", reason: "crash")
        await restarter.settle("notes")
        #expect(target.failures.withLock { $0.last?.hasPrefix("gave up") == true })
        // Its own restarts do not reset it...
        await bus.publish(.appLifecycle(AppLifecycleEvent(app: "notes", state: .provisioning, message: "restart")))
        // ...an operator's start does (the event after it proves the first was handled).
        await bus.publish(.appLifecycle(AppLifecycleEvent(app: "notes", state: .provisioning)))
        await bus.publish(.appLifecycle(AppLifecycleEvent(app: "other", state: .stopped)))
        // Once the last event is taken, the ones before it were handled (one at a time, in order).
        for _ in 0..<1000 where subscription.pendingCount > 0 { try? await Task.sleep(for: .milliseconds(5)) }
        #expect(subscription.pendingCount == 0)
        subscription.cancel()
        await following.value
        await restarter.appFailed("notes", reason: "crash")
        await restarter.settle("notes")
        #expect(target.log.count(of: "start-failed:notes") == 4)
    }
}
