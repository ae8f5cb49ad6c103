import AppBaseCore
import AppBasePlatform
import ArgumentParser

/// `appbase backup --app NAME [--out FILE]` or `appbase backup --all [--out DIR]`: consistent
/// archives of an app (its database and exactly the files it references) or of the master and
/// every app, made while the server runs or not (docs/adr/0037-backup-format.md).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent backup archive of an app, or of the master and every app.")
    @OptionGroup var common: CommonOptions
    @Option(help: "The app to back up.") var app: String?
    @Flag(help: "Back up master.sqlite and every registered app, one archive each.") var all = false
    @Option(help: "The archive to write (with --app; default <app>-<UTC time>.tar.gz), or the directory for --all (default .).")
    var out: String?
    @Option(help: "The gzip level, 1 (fast, the default) to 9 (smallest).") var level = 1

    func validate() throws {
        guard (app == nil) == all else { throw ValidationError("give exactly one of --app NAME and --all") }
        guard (1...9).contains(level) else { throw ValidationError("--level must be between 1 and 9") }
    }

    func run() async throws {
        common.restrictNewFilesToThisUser()
        let clock = SystemWallClock()
        if let app {
            try await common.checkRegistered(app)
            let output = out ?? AppBackup.fileName(app: app, at: clock.nowMilliseconds())
            try await backUp(app, to: output, clock: clock)
            return
        }
        let directory = out ?? "."
        let configuration = try common.loadConfiguration()
        let apps = configuration.apps.map(\.name) + (try await AppDataLocation.apiCreatedApps(dataDirectory: common.dataDir))
        var failures = 0
        for name in ["master"] + apps {
            do {
                try await backUp(name, to: "\(directory)/\(AppBackup.fileName(app: name, at: clock.nowMilliseconds()))", clock: clock)
            } catch {
                failures += 1
                KeysCommand.note("backup of \(name) failed: \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// One archive, recorded in master.sqlite; prints its path on stdout.
    private func backUp(_ name: String, to output: String, clock: SystemWallClock) async throws {
        let (dataDirectory, level) = (common.dataDir, level)
        let result = try await BackupHistory.record(dataDirectory: dataDirectory, app: name, origin: "cli", clock: clock) {
            try await AppBackup.create(dataDirectory: dataDirectory, app: name, output: output, level: level, clock: clock)
        }
        print(result.path)
        KeysCommand.note("backed up \(name): \(result.files) file(s), \(result.size) bytes")
    }
}
