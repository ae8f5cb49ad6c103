import AppBasePlatform
import ArgumentParser
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
import UnixSignals
#endif

/// `appbase serve`: starts the control plane and every app in the configuration.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the server.")

    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("log-format"), help: "Access-log format: text or json (overrides [server] log_format).")
    var logFormat: String?

    func run() async throws {
        common.restrictNewFilesToThisUser()
        var configuration = try common.loadConfiguration()
        // Edits of the file (and SIGHUP) add, remove and reconfigure apps while serving.
        configuration.watchesSourceFile = true
        if let logFormat, !configuration.setLogFormat(named: logFormat) {
            throw ValidationError("--log-format must be text or json")
        }
        // File responses are sent with sendfile on libuv's pool; give it room for slow clients.
        setenv("UV_THREADPOOL_SIZE", "16", 0)
        if let warning = configuration.fitConnectionCapToDescriptors() {
            var standardError = StandardError()
            print("appbase: \(warning)", to: &standardError)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "appbase")
        let root = RootSupervisor(configuration: configuration, dataDirectory: common.dataDir, logger: logger)
        let service = AppBaseLifecycleService(root: root)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
