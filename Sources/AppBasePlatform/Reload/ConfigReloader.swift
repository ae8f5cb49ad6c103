import AppBaseCore
import Logging

/// Applies edits of `appbase.toml` while the server runs: on a change of the file (libuv
/// `uv_fs_event`, see `FileChangeWatcher`) or on SIGHUP it reads the file again, and if it is
/// valid applies the difference through the registry — removals first (freeing names and
/// ports), then reconfigurations, then additions. An invalid file is logged with its file,
/// key and reason and changes nothing; the last good configuration stays current.
public actor ConfigReloader {
    /// What one reload did.
    public enum Outcome: Sendable, Equatable {
        /// The file was valid; `diff` was applied (`failures` lists apps whose step failed).
        case applied(ConfigDiff, failures: [String])
        /// The file was invalid; nothing changed.
        case refused(ConfigError)
    }

    private let path: String
    private let apps: any AppSetApplying
    private let logger: Logger
    /// The last configuration that was applied.
    public private(set) var current: ServerConfiguration
    /// Bumped on every change notification; a debounced reload runs only if no newer one came.
    private var pendingChange = 0
    /// Reloads run one at a time, in order: a second one waits for the first to finish.
    private var running: Task<Outcome, Never>?

    public init(path: String, current: ServerConfiguration, apps: any AppSetApplying, logger: Logger) {
        self.path = path
        self.current = current
        self.apps = apps
        self.logger = logger
    }

    /// The file changed: reloads once it has been quiet for `quietMillis` (editors write a
    /// file in several steps: truncate, write, rename).
    public func fileChanged(quietMillis: Int = 100) {
        pendingChange += 1
        let mine = pendingChange
        // Isolated to this actor: `pendingChange` is read after the sleep, on the actor.
        Task {
            try? await Task.sleep(for: .milliseconds(quietMillis))
            guard mine == pendingChange else { return }
            _ = await reload()
        }
    }

    /// Reads the file and applies what changed (SIGHUP, or a settled file change).
    @discardableResult
    public func reload() async -> Outcome {
        let previous = running
        let task = Task { [previous] in
            _ = await previous?.value
            return await self.reloadNow()
        }
        running = task
        return await task.value
    }

    private func reloadNow() async -> Outcome {
        let next: ServerConfiguration
        do {
            next = try ConfigLoader.load(path: path)
        } catch {
            logger.error("config reload refused, nothing changed: \(error.file): \(error.key.isEmpty ? "-" : error.key): \(error.problem)")
            return .refused(error)
        }
        let diff = ConfigDiff.between(current, next)
        if diff.isEmpty { return .applied(diff, failures: []) }
        var failures: [String] = []
        for name in diff.removed {
            do { try await apps.removeApp(name) } catch { failures.append(name); logger.error("reload: removing app \(name) failed: \(error)") }
        }
        for app in diff.changed {
            do { try await apps.reconfigureApp(app) } catch { failures.append(app.name); logger.error("reload: reconfiguring app \(app.name) failed: \(error)") }
        }
        for app in diff.added {
            do { try await apps.addApp(app) } catch { failures.append(app.name); logger.error("reload: adding app \(app.name) failed: \(error)") }
        }
        if !diff.needsRestart.isEmpty {
            logger.warning("reload: [\(diff.needsRestart.joined(separator: "], ["))] changed in \(path); these take effect after a restart")
        }
        logger.notice("config reloaded from \(path): +\(diff.added.map(\.name)) -\(diff.removed) ~\(diff.changed.map(\.name))")
        // Server-wide sections keep their running values: only the apps are taken over.
        current.apps = next.apps
        return .applied(diff, failures: failures)
    }
}
