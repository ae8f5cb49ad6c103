import AppBaseHTTP
import AppBasePlatform
import ArgumentParser
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// `appbase serve`: starts the control plane and every app in the configuration.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the server.")

    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("log-format"), help: "Access-log format: text or json (overrides [server] log_format).")
    var logFormat: String?

    /// Raises the soft descriptor limit to the hard one, and keeps the connection cap below it
    /// (with room for databases, blobs and listeners), so the cap answers 503 before `accept`
    /// or `open` runs out of descriptors.
    static func fitConnectionCapToDescriptors(_ requested: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return requested }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = Int(clamping: limit.rlim_cur) - 256
        guard requested > available else { return requested }
        let capped = max(16, available)
        var standardError = StandardError()
        print("appbase: [limits] max_connections \(requested) exceeds the descriptor limit (\(limit.rlim_cur)); using \(capped)",
              to: &standardError)
        return capped
    }

    func run() async throws {
        common.restrictNewFilesToThisUser()
        var configuration = try common.loadConfiguration()
        if let logFormat {
            guard let format = AccessLog.Format(rawValue: logFormat) else { throw ValidationError("--log-format must be text or json") }
            configuration.logFormat = format
        }
        // File responses are sent with sendfile on libuv's pool; give it room for slow clients.
        setenv("UV_THREADPOOL_SIZE", "16", 0)
        configuration.limits.maxConnections = Self.fitConnectionCapToDescriptors(configuration.limits.maxConnections)
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
