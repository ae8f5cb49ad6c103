import AppBaseCore
import Logging

/// The part of the platform that can take one app's subtree down and bring it up again.
/// Implemented by the app registry (or the root supervisor); fakes in tests.
public protocol AppRestarting: Sendable {
    /// Tears the subtree down: releases a hung writer, ends its streams and tasks, closes its
    /// database. Its port stays bound and answers `503 unavailable` with `Retry-After`.
    func tearDown(app: String, reason: String) async
    /// Starts the subtree again (database, migrations, services, routes); publishes `running`.
    /// - Throws: why it could not start; the restarter counts that as one more failure.
    func startAgain(app: String) async throws
    /// The app is `failed` for `message` ("restart 2 of 5 in 200 ms: …", "gave up after …"):
    /// the lifecycle owner records it (AppInfo `lastError`) and publishes the transition.
    func recordFailure(app: String, message: String) async
}

/// Restarts failed apps one-for-one with exponential backoff under the intensity limit.
///
/// Each app's restart cycle runs in its own task, so a slow or backing-off app never holds up
/// the HealthMonitor or another app. Every step is reported to the lifecycle owner
/// (`recordFailure`), which publishes it on the bus: the machine has one home.
public actor AppRestarter {
    private let policy: RestartPolicy
    private let target: any AppRestarting
    private let clock: any WallClock
    private let logger: Logger
    private var histories: [String: RestartHistory] = [:]
    /// Apps with a restart cycle in progress; a second failure report for one is ignored.
    private var cycles: [String: (id: Int, task: Task<Void, Never>)] = [:]
    private var nextCycle = 0
    private var restartCounts: [String: Int] = [:]

    public init(policy: RestartPolicy, target: any AppRestarting, clock: any WallClock, logger: Logger) {
        self.policy = policy
        self.target = target
        self.clock = clock
        self.logger = logger
    }

    /// Restarts so far for `app` since this process started (for AppInfo `restarts`).
    public func restarts(of app: String) -> Int { restartCounts[app] ?? 0 }

    /// Whether a restart cycle for `app` is in progress.
    public func isRestarting(_ app: String) -> Bool { cycles[app] != nil }

    /// An operator started or deleted the app: its failures so far no longer count.
    public func forget(_ app: String) {
        cycles.removeValue(forKey: app)?.task.cancel()
        histories[app] = nil
    }

    /// `app` failed (health probes, a crash, a failed start): starts its restart cycle.
    public func appFailed(_ app: String, reason: String) {
        guard cycles[app] == nil else { return }
        nextCycle += 1
        let id = nextCycle
        cycles[app] = (id, Task { await self.runCycle(app, id: id, reason: reason) })
    }

    /// Forgets an app's restarts when an operator acts on it — stops, deletes, starts or
    /// reconfigures it (a `provisioning` that is not this restarter's "restart") — so its next
    /// failure starts a fresh window and a backoff in progress does not override the operator.
    /// Runs until the subscription ends.
    public func follow(_ subscription: BusSubscription) async {
        for await delivery in subscription {
            guard case .event(.appLifecycle(let event)) = delivery else { continue }
            switch event.state {
            case .stopped, .deleted: forget(event.app)
            case .provisioning where event.message != "restart": forget(event.app)
            default: break
            }
        }
    }

    /// A lifecycle subscription for `follow(_:)`.
    public static func subscribe(to bus: EventBus) -> BusSubscription {
        bus.subscribe(name: "restarter", capacity: 1024, policy: .dropAndSignal) { event in
            if case .appLifecycle = event { return true }
            return false
        }
    }

    /// Waits for the restart cycle of `app` to end (tests, shutdown).
    public func settle(_ app: String) async {
        await cycles[app]?.task.value
    }

    /// Stops every cycle (shutdown); apps being restarted stay down.
    public func stopAll() {
        for cycle in cycles.values { cycle.task.cancel() }
        cycles.removeAll()
    }

    /// Ends cycle `id` of `app` unless `forget` already replaced it with a newer one.
    private func endCycle(_ app: String, id: Int) {
        if cycles[app]?.id == id { cycles[app] = nil }
    }

    private func runCycle(_ app: String, id: Int, reason firstReason: String) async {
        defer { endCycle(app, id: id) }
        var reason = firstReason
        while !Task.isCancelled {
            var history = histories[app] ?? RestartHistory()
            let decision = history.decide(at: clock.nowMilliseconds(), policy: policy)
            histories[app] = history
            switch decision {
            case .giveUp(let count):
                let message = "gave up after \(count) restarts in \(policy.windowMillis / 1000) s: \(reason); start it again by hand"
                logger.error("app \(app) \(message)")
                await target.tearDown(app: app, reason: reason)
                await target.recordFailure(app: app, message: message)
                return
            case .restart(let backoff, let attempt):
                let message = "restart \(attempt) of \(policy.maxRestarts) in \(backoff) ms: \(reason)"
                logger.warning("app \(app) \(message)")
                await target.recordFailure(app: app, message: message)
                await target.tearDown(app: app, reason: reason)
                try? await Task.sleep(for: .milliseconds(backoff))
                guard !Task.isCancelled else { break }
                restartCounts[app, default: 0] += 1
                do {
                    try await target.startAgain(app: app)
                    logger.notice("app \(app) restarted (attempt \(attempt))")
                    return
                } catch {
                    reason = "restart failed: \(error)"
                }
            }
        }
    }
}
