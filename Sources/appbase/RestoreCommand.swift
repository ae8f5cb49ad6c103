import AppBaseCore
import AppBasePlatform
import ArgumentParser

/// `appbase restore --app NAME --from FILE [--as NEWNAME]` and `appbase restore --master --from FILE`:
/// verifies the whole archive first, then swaps it in (through a running server, which stops
/// and starts the app around the swap, or directly when none runs).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore an app (or the master database) from a backup archive.")
    @OptionGroup var common: CommonOptions
    @Option(help: "The app the archive holds.") var app: String?
    @Flag(help: "Restore master.sqlite (only while no server runs).") var master = false
    @Option(help: "The archive.") var from: String
    @Option(name: .customLong("as"), help: "Restore beside the original, as a new app with this name.") var newName: String?

    func validate() throws {
        guard (app == nil) == master else { throw ValidationError("give exactly one of --app NAME and --master") }
        if master && newName != nil { throw ValidationError("--as applies to apps only") }
    }

    func run() async throws {
        common.restrictNewFilesToThisUser()
        let result: AppRestore.Result
        do {
            if let app {
                if let newName {
                    try await checkUnregistered(newName)
                } else {
                    try await common.checkRegistered(app)
                }
                result = try await AppRestore.restore(dataDirectory: common.dataDir, app: app, from: from, as: newName)
            } else {
                result = try await AppRestore.restoreMaster(dataDirectory: common.dataDir, from: from)
            }
        } catch let error as BackupError {
            KeysCommand.note("restore refused: \(error)")
            throw ExitCode(1)
        }
        let taken = Timestamp.rfc3339(milliseconds: result.createdAt)
        let replaced = result.replaced.map { "; the replaced data is in \(common.dataDir)/\($0)" } ?? ""
        let how = result.throughServer ? " (the running server stopped and restarted it)" : ""
        KeysCommand.note("restored \(result.app) from the backup of \(taken): \(result.files) file(s)\(how)\(replaced)")
    }

    /// `--as NAME` must name no app yet.
    private func checkUnregistered(_ name: String) async throws {
        let configuration = try common.loadConfiguration()
        let created = try await AppDataLocation.apiCreatedApps(dataDirectory: common.dataDir)
        if configuration.app(named: name) != nil || created.contains(name) {
            throw ValidationError("an app named \"\(name)\" already exists; choose another --as name")
        }
    }
}
