import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import Dispatch
import Synchronization

/// What a running app subtree is made of, as far as health probes and faults need it.
struct AppRunningParts: Sendable {
    let router: Router
    let writer: DatabaseWriter
    let readers: DatabaseReaders
    let services: [any AppService]
}

/// Injects faults into one app and undoes the ones that would block its teardown.
///
/// Only reachable with `[faults] enabled = true` (see `FaultRoutes`). Each fault breaks the
/// real thing the HealthMonitor probes, so detection is not faked:
/// - `crash`: the app's routes are withdrawn (its clients get 503, as from a dead process) and its
///   services shut down at once, ending its streams;
/// - `hang`: a job blocks the writer's thread, so writes and the database probe stop answering;
/// - `db`: the reader connections close, so reads (and the database probe) fail.
final class AppFaults: Sendable {
    /// The longest a hang lasts if no teardown releases it (keeps a thread from being lost).
    static let maxHangSeconds = 120
    private let hangs = Mutex<[String: [DispatchSemaphore]]>([:])

    init() {}

    /// Breaks `app` as `kind` says.
    /// - Parameter crash: withdraws the app's routes (its owner answers 503 from then on).
    func inject(_ kind: FaultKind, app: String, parts: AppRunningParts, crash: @Sendable () -> Void) async {
        switch kind {
        case .crash:
            crash()
            await withTaskGroup(of: Void.self) { group in
                for service in parts.services { group.addTask { await service.shutdown() } }
            }
        case .hang:
            let release = DispatchSemaphore(value: 0)
            hangs.withLock { $0[app, default: []].append(release) }
            let writer = parts.writer
            let started = DispatchSemaphore(value: 0)
            Task.detached {
                _ = try? await writer.withConnection { _ in
                    started.signal()
                    _ = release.wait(timeout: .now() + .seconds(Self.maxHangSeconds))
                }
            }
            // Returns once the writer thread is really blocked (bounded, like the hang).
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    _ = started.wait(timeout: .now() + .seconds(5))
                    continuation.resume()
                }
            }
        case .db:
            await parts.readers.close()
        }
    }

    /// Unblocks every hang injected into `app` (before its database closes).
    func releaseHangs(of app: String) {
        for release in hangs.withLock({ $0.removeValue(forKey: app) ?? [] }) { release.signal() }
    }
}
