import AppBaseAudit
import AppBaseCore
import AppBasePlatform
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `appbase`: a self-hosted Backend-as-a-Service in one binary.
@main
struct AppBaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appbase",
        abstract: "A self-hosted Backend-as-a-Service for LAN networks and private VPCs.",
        version: AppBaseVersion.current,
        subcommands: [ServeCommand.self, VersionCommand.self, KeysCommand.self, AdminCommand.self, BackupCommand.self, RestoreCommand.self, AuditCommand.self, TLSCommand.self, InstallCommand.self, DoctorCommand.self]
    )
}

/// Options shared by every subcommand that reads the configuration or the data directory.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file.")
    var config = "Configuration/appbase.toml"

    @Option(name: .customLong("data-dir"), help: "The data directory (master.sqlite and one folder per app).")
    var dataDir = "data"

    /// Makes everything this process creates its user's alone (`umask 077`): the data directory
    /// holds every app's master secret. The server and the stores create their files with
    /// explicit modes too; the umask also covers what a library creates on its own. Called
    /// first by every command that writes data.
    func restrictNewFilesToThisUser() {
        umask(0o077)
    }

    /// Loads the configuration or exits with the loader's message.
    func loadConfiguration() throws -> ServerConfiguration {
        do {
            return try ConfigLoader.load(path: config)
        } catch {
            throw ValidationError("invalid configuration: \(error)")
        }
    }

    /// Whether `app` keeps an audit log: its `[apps.<name>.audit] mode` (the `[audit]` defaults for
    /// apps created through the control plane) is not `off`. The CLI's key and admin changes are
    /// audited in their own transaction when it is.
    func auditEnabled(_ app: String) throws -> Bool {
        let configuration = try loadConfiguration()
        let services = configuration.app(named: app)?.services ?? configuration.apiAppServices
        return services.audit.mode != .off
    }

    /// Checks that the configuration, or the control plane's list in `master.sqlite`,
    /// registers `app`.
    func checkRegistered(_ app: String) async throws {
        let configuration = try loadConfiguration()
        if configuration.app(named: app) != nil { return }
        let created = try await AppDataLocation.apiCreatedApps(dataDirectory: dataDir)
        if created.contains(app) { return }
        let known = (configuration.apps.map(\.name) + created).joined(separator: ", ")
        throw ValidationError("""
            neither \(config) nor the control plane registers an app named "\(app)" \
            (registered: \(known.isEmpty ? "none" : known))
            """)
    }
}

/// `appbase version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    func run() { print("appbase \(AppBaseVersion.current)") }
}
