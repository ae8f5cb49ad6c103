@testable import AppBasePlatform
import AppBaseTestSupport
import Synchronization

/// A probe target whose probes pass, fail or hang on command.
final class FakeProbeTarget: HealthProbeTarget {
    enum Behaviour: Sendable { case pass, fail, hang }
    let app: String
    let generation: Int
    private let router = Mutex(Behaviour.pass)
    private let database = Mutex(Behaviour.pass)
    let probes = Mutex(0)
    /// Hung probes waiting for `releaseHangs()`.
    private let hung = Mutex<[CheckedContinuation<Void, Never>]>([])
    /// Set once `releaseHangs()` ran.
    let released = Atomic<Bool>(false)

    init(app: String, generation: Int = 1) {
        self.app = app
        self.generation = generation
    }

    func setRouter(_ behaviour: Behaviour) { router.withLock { $0 = behaviour } }
    func setDatabase(_ behaviour: Behaviour) { database.withLock { $0 = behaviour } }

    func probeRouter() async throws {
        probes.withLock { $0 += 1 }
        try await act(router.withLock { $0 }, "router down")
    }

    func probeDatabase(stuckAfter: Duration) async throws { try await act(database.withLock { $0 }, "database closed") }

    private func act(_ behaviour: Behaviour, _ failure: String) async throws {
        switch behaviour {
        case .pass: return
        case .fail: throw TestFailure(failure)
        case .hang:
            // Like a writer thread that is blocked: ignores cancellation, ends only when released.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if released.load(ordering: .acquiring) {
                    continuation.resume()
                } else {
                    hung.withLock { $0.append(continuation) }
                }
            }
        }
    }

    /// Ends every hung probe (and any later one at once).
    func releaseHangs() {
        released.store(true, ordering: .releasing)
        for continuation in hung.withLock({ waiting in defer { waiting.removeAll() }; return waiting }) { continuation.resume() }
    }
}

/// The apps the monitor should probe.
final class FakeTargetSource: HealthTargetSource {
    let targets = Mutex<[FakeProbeTarget]>([])
    init(_ targets: [FakeProbeTarget]) { self.targets.withLock { $0 = targets } }
    func healthTargets() async -> [any HealthProbeTarget] { targets.withLock { $0 } }
}

/// Records verdicts as `degraded:<app>`, `recovered:<app>`, `failed:<app>`.
final class VerdictRecorder: HealthVerdictHandling {
    let log = EventLog()
    func appDegraded(_ app: String, reason: String) async { log.record("degraded:\(app)") }
    func appRecovered(_ app: String) async { log.record("recovered:\(app)") }
    func appFailed(_ app: String, reason: String) async { log.record("failed:\(app)") }
}
