import AppBaseCore
import AppBaseHTTP
import Logging

/// The registry as the HealthMonitor, the restarter, fault injection and config hot reload see
/// it. Every lifecycle move still goes through `transition`, so the machine keeps one home.
extension AppRegistry: HealthTargetSource {
    /// Serving apps not being changed by an operator, probed through their front door (the
    /// same `AppGate` their clients reach) and their database.
    public func healthTargets() async -> [any HealthProbeTarget] {
        var targets: [any HealthProbeTarget] = []
        for name in order {
            guard let entry = entries[name], entry.lifecycle.isServing, !entry.busy,
                  let supervisor = entry.supervisor, let parts = await supervisor.runningParts else { continue }
            targets.append(AppHealthProbe(app: name, generation: Int(entry.startedAt ?? 0),
                                          router: AppGate(app: name, dispatchers: appRouters),
                                          writer: parts.writer, readers: parts.readers))
        }
        return targets
    }
}

extension AppRegistry: AppRestarting {
    /// What answers for `name` while its subtree is down: 503 with the app's CORS policy (none
    /// for an app no longer registered).
    func unavailableDispatcher(_ name: String) -> AppGate.Unavailable {
        AppGate.Unavailable(app: name, cors: entries[name]?.configuration.corsPolicy ?? .disabled)
    }

    /// Takes the failed subtree down but keeps its listener: its port and host name answer 503
    /// with `Retry-After` until `startAgain` swaps a new router in. Nothing happens to an app an
    /// operator is changing, or one that is stopped or gone.
    public func tearDown(app name: String, reason: String) async {
        faults.releaseHangs(of: name)
        guard let entry = entries[name], !entry.busy, entry.lifecycle.isServing || entry.lifecycle.state == .failed else { return }
        if entry.lifecycle.isServing {
            entries[name]?.lastError = reason
            await transition(name, to: .failed, message: reason)
            // Re-checked after the await: an operator may have begun changing the app meanwhile.
            guard entries[name]?.busy == false else { return }
        }
        let unavailable = unavailableDispatcher(name)
        appRouters.update { $0[name] = unavailable }
        dashboardRouters.update { $0[name] = nil }
        if let supervisor = entries[name]?.supervisor {
            await supervisor.stopServices()
            await supervisor.close()
        }
        entries[name]?.supervisor = nil
    }

    /// Provisions the app again on its kept port. Returns quietly when an operator has taken
    /// the app over meanwhile (stopped, started or deleted it).
    /// - Throws: `unavailable` with the reason when the start failed (the app is `failed`).
    public func startAgain(app name: String) async throws {
        guard let entry = entries[name], !entry.busy, entry.lifecycle.state == .failed, !closing else { return }
        entries[name]?.busy = true
        defer { entries[name]?.busy = false }
        entries[name]?.restarts += 1
        await transition(name, to: .provisioning, message: "restart")
        guard await launch(name) else {
            throw AppBaseError(status: 503, code: .unavailable, message: entries[name]?.lastError ?? "App \(name) did not start.")
        }
    }

    /// Records why the app is failed; a serving app moves to `failed` with it.
    public func recordFailure(app name: String, message: String) async {
        guard let entry = entries[name] else { return }
        entries[name]?.lastError = message
        if entry.lifecycle.isServing && !entry.busy {
            await transition(name, to: .failed, message: message)
        } else {
            runtime.logger.warning("app \(name): \(message)")
        }
    }
}

extension AppRegistry: FaultInjecting {
    public func injectFault(_ kind: FaultKind, into name: String) async throws {
        guard let entry = entries[name] else { throw Self.noSuchApp(name) }
        guard entry.lifecycle.isServing, let supervisor = entry.supervisor, let parts = await supervisor.runningParts else {
            throw AppBaseError(status: 503, code: .unavailable, message: "App \(name) is not running.")
        }
        let routers = appRouters
        let unavailable = unavailableDispatcher(name)
        runtime.logger.warning("app \(name): injecting fault \(kind.rawValue)")
        await faults.inject(kind, app: name, parts: parts, crash: { routers.update { $0[name] = unavailable } })
    }
}

extension AppRegistry: AppSetApplying {
    public func addApp(_ configuration: AppConfiguration) async throws { try await add(configuration, source: .config) }
    public func removeApp(_ name: String) async throws { _ = try await remove(app: name) }
    public func reconfigureApp(_ configuration: AppConfiguration) async throws { try await reconfigure(configuration) }
}

/// The HealthMonitor's verdicts applied to the registry: every report is recorded
/// (`running ⇄ degraded` follow it there); a failed app goes to the restarter.
public struct RegistryHealthVerdicts: HealthVerdictHandling {
    let registry: AppRegistry
    let restarter: AppRestarter

    public init(registry: AppRegistry, restarter: AppRestarter) {
        self.registry = registry
        self.restarter = restarter
    }

    public func recordReport(_ report: HealthReport) async { await registry.markHealth(app: report.app, report: report) }
    public func appDegraded(_ app: String, reason: String) async {}
    public func appRecovered(_ app: String) async {}
    public func appFailed(_ app: String, reason: String) async { await restarter.appFailed(app, reason: reason) }
}
