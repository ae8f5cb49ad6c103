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
        subcommands: [ServeCommand.self, VersionCommand.self, KeysCommand.self]
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

    /// Loads the configuration and checks that it registers `app`.
    func registeredApp(_ app: String) throws -> (ServerConfiguration, AppConfiguration) {
        let configuration = try loadConfiguration()
        guard let appConfiguration = configuration.app(named: app) else {
            let known = configuration.apps.map(\.name).joined(separator: ", ")
            throw ValidationError("\(config) registers no app named \"\(app)\" (registered: \(known.isEmpty ? "none" : known))")
        }
        return (configuration, appConfiguration)
    }
}

/// `appbase version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    func run() { print("appbase \(AppBaseVersion.current)") }
}
