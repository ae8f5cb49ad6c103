import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// Restores applied by a running server (the CLI sends `restore-app` on the control socket
/// once the archive is verified and unpacked beside the data).
extension AppRegistry {
    /// Swaps the verified staging directory `leaf` (under the data directory) in for `name`'s
    /// data: the app is taken down (drained), swapped, and started again unless it was stopped.
    /// Its SSE clients are disconnected by the teardown and get `reset` when they resume.
    /// - Returns: the replaced tree's path under the data directory, nil when there was none.
    /// - Throws: 404, 409 while another operation runs on it, 503 while shutting down; `BackupError`.
    func restoreData(_ name: String, staging leaf: String) async throws -> String? {
        try ensureOpen()
        try claim(name)
        defer { entries[name]?.busy = false }
        let wasStopped = entries[name]?.lifecycle.state == .stopped
        await takeDown(name)
        var result: Result<String?, any Error>
        do {
            result = .success(try BackupSwap.replace(app: name, staging: "\(runtime.dataRoot)/\(leaf)",
                                                     dataDirectory: runtime.dataRoot, now: runtime.clock.nowMilliseconds()))
        } catch {
            result = .failure(error)
        }
        if !wasStopped {
            // The old data stays in place when the swap failed: the app comes back either way.
            await transition(name, to: .provisioning, message: "restored from a backup")
            await launch(name)
        }
        return try result.get()
    }

    /// Places the verified staging directory `leaf` as the data of a new app `name`, records it
    /// in `master.sqlite` as an API app and starts it (`appbase restore --as`).
    /// - Throws: 400 for a bad name, 409 when the name or `data/<name>` is taken, 503 while shutting down.
    func adoptRestored(_ name: String, staging leaf: String) async throws {
        try ensureOpen()
        guard AppConfiguration.isValidName(name) else { throw AppBaseError.badRequest("Invalid app name.") }
        guard entries[name] == nil else { throw Self.nameTaken(name) }
        guard access("\(runtime.dataRoot)/\(name)", F_OK) != 0 else {
            throw AppBaseError(status: 409, code: .conflict, message: "data/\(name) already exists; choose another --as name.")
        }
        try await registerAPIApp(name, port: nil)
        defer { entries[name]?.busy = false }
        do {
            try BackupSwap.place(app: name, staging: "\(runtime.dataRoot)/\(leaf)", dataDirectory: runtime.dataRoot)
        } catch {
            // Not announced yet: forget the name again.
            try? await APIAppStore.delete(name, from: runtime.master)
            entries[name] = nil
            order.removeAll { $0 == name }
            throw error
        }
        await announce(name)
        await launch(name)
    }

    /// The control socket's `restore-app <app> <staging leaf> replace|new`; answers
    /// `ok <replaced path or ->` or `error <message>`.
    static func handleRestoreCommand(_ argument: String, registry: AppRegistry) async -> String {
        let parts = argument.split(separator: " ").map(String.init)
        guard parts.count == 3, parts[1].hasPrefix(".restore-"), !parts[1].contains("/") else {
            return "error expected 'restore-app <app> <staging> replace|new'"
        }
        do {
            switch parts[2] {
            case "replace":
                return "ok " + (try await registry.restoreData(parts[0], staging: parts[1]) ?? "-")
            case "new":
                try await registry.adoptRestored(parts[0], staging: parts[1])
                return "ok -"
            default:
                return "error unknown restore mode \(parts[2])"
            }
        } catch let error as AppBaseError {
            return "error \(error.message)"
        } catch {
            return "error \(error)"
        }
    }
}
