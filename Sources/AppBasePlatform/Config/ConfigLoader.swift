import AppBaseAudit
import AppBaseCore
import AppBaseHTTP
#if canImport(Glibc)
import Glibc
#endif

/// Reads and validates `appbase.toml`. Unknown keys, bad values and duplicate ports are
/// rejected with a message naming the file, the key and the problem.
public enum ConfigLoader {
    /// Loads the file at `path`.
    public static func load(path: String) throws(ConfigError) -> ServerConfiguration {
        guard let text = readFile(path) else {
            throw ConfigError(file: path, key: "", problem: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        return try parse(text, file: path)
    }

    /// Parses configuration text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ServerConfiguration {
        var root = try ConfigTable(file: file, path: "", value: try TOMLConversion.parse(text, file: file))
        var configuration = ServerConfiguration(sourceFile: file)

        var server = try root.table("server")
        configuration.host = try server.string("host", default: "127.0.0.1") ?? "127.0.0.1"
        guard isIPAddress(configuration.host) else { throw server.error("host", "must be an IPv4 or IPv6 address") }
        configuration.port = try server.int("port", default: 8080, range: 0...65535)
        configuration.logFormat = try server.choice("log_format", ["text", "json"], default: "text") == "json" ? .json : .text
        configuration.accessLog = try server.bool("access_log", default: true) ?? true
        try server.rejectUnknownKeys()

        var ports = try root.table("ports")
        let first = try ports.int("first", default: 3100, range: 1...65535)
        let last = try ports.int("last", default: 3999, range: 1...65535)
        guard first <= last else { throw ports.error("last", "must not be below ports.first (\(first))") }
        configuration.portRange = first...last
        configuration.reclaimGraceSeconds = try ports.int("reclaim_grace_seconds", default: 86_400, range: 0...(365 * 86_400))
        try ports.rejectUnknownKeys()

        var limits = try root.table("limits")
        configuration.limits = try parseLimits(&limits)
        try limits.rejectUnknownKeys()

        var auth = try root.table("auth")
        configuration.hashThreads = try auth.int("hash_threads", default: 1, range: 1...16)
        configuration.hashQueue = try auth.int("hash_queue", default: 64, range: 1...100_000)
        configuration.hashQueuePerApp = try auth.int("hash_queue_per_app", default: 16, range: 1...100_000)
        try auth.rejectUnknownKeys()

        configuration.mdns = try MDNSSettingsLoader.parse(&root)
        configuration.tls = try TLSSettingsLoader.parse(&root)
        var health = try root.table("health")
        configuration.health = try parseHealth(&health)
        var faults = try root.table("faults")
        configuration.faults = try parseFaults(&faults)
        var metrics = try root.table("metrics")
        configuration.metrics = try MetricsSettingsLoader.parse(&metrics)
        try metrics.rejectUnknownKeys()
        var auditDefaults = try root.table("audit")
        let audit = try AuditSettingsLoader.parse(&auditDefaults, defaults: AuditSettings())

        var appsTable = try root.table("apps")
        var usedPorts: [Int: String] = [configuration.port: "server.port"]
        for name in appsTable.keys {
            var app = try appsTable.table(name)
            guard AppConfiguration.isValidName(name) else {
                throw app.error("", "app name must match ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ and not be \"master\"")
            }
            var appConfiguration = AppConfiguration(name: name)
            appConfiguration.port = try app.int("port", range: 1...65535)
            if let port = appConfiguration.port {
                if let owner = usedPorts[port] {
                    throw app.error("port", "port \(port) is already used by \(owner)")
                }
                usedPorts[port] = "apps.\(name).port"
            }
            appConfiguration.corsOrigins = try app.strings("cors_origins", default: ["*"]) ?? ["*"]
            appConfiguration.siteDirectory = try parseSiteDirectory(&app, configFile: file)
            var backup = try app.table("backup")
            appConfiguration.backup = try parseBackupSchedule(&backup, configFile: file)
            try backup.rejectUnknownKeys()
            appConfiguration.services = try ServiceSettingsLoader.parse(&app, auditDefaults: audit)
            try app.rejectUnknownKeys()
            configuration.apps.append(appConfiguration)
        }
        try root.rejectUnknownKeys()
        return configuration
    }

    /// `[apps.<name>] site_dir`: a directory served at `/app/` on the app's port; a relative
    /// path is taken from the config file's directory. It must exist when the file is read.
    private static func parseSiteDirectory(_ app: inout ConfigTable, configFile: String) throws(ConfigError) -> String? {
        guard let raw = try app.string("site_dir"), !raw.isEmpty else { return nil }
        let directory = resolve(raw, besides: configFile)
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw app.error("site_dir", "\(directory) is not a directory")
        }
        return directory
    }

    /// `[apps.<name>.backup]`: nil when the table is absent or empty; `every` is required in it.
    private static func parseBackupSchedule(_ table: inout ConfigTable, configFile: String) throws(ConfigError) -> BackupSchedule? {
        guard !table.keys.isEmpty else { return nil }
        guard let every = try table.string("every") else {
            throw table.error("every", "is required to schedule backups, e.g. \"24h\"")
        }
        guard let seconds = BackupSchedule.seconds(in: every),
              seconds >= BackupSchedule.minimumIntervalSeconds, seconds <= BackupSchedule.maximumIntervalSeconds else {
            throw table.error("every", "must be a whole number with s, m, h or d, between 5m and 366d, got \"\(every)\"")
        }
        let keep = try table.int("keep", default: BackupSchedule.defaultKeep, range: BackupSchedule.keepRange)
        let directory = try table.string("dir").flatMap { $0.isEmpty ? nil : resolve($0, besides: configFile) }
        return BackupSchedule(intervalSeconds: seconds, keep: keep, directory: directory)
    }

    /// `path` as written, if absolute; else taken from the config file's directory.
    private static func resolve(_ path: String, besides configFile: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = configFile.lastIndex(of: "/") else { return path }
        return configFile[..<slash] + "/" + path
    }

    private static func parseLimits(_ table: inout ConfigTable) throws(ConfigError) -> HTTPLimits {
        var limits = HTTPLimits()
        limits.maxHeaderBytes = try table.int("max_header_bytes", default: limits.maxHeaderBytes, range: 1024...1_048_576)
        limits.maxURLBytes = try table.int("max_url_bytes", default: limits.maxURLBytes, range: 256...1_048_576)
        limits.maxConnections = try table.int("max_connections", default: limits.maxConnections, range: 1...1_000_000)
        limits.defaultBodyLimit = try table.int("default_body_bytes", default: limits.defaultBodyLimit, range: 1...Int(Int32.max))
        limits.maxConnectionsPerAddress = try table.int("max_connections_per_address", default: limits.maxConnectionsPerAddress,
                                                        range: 1...1_000_000)
        limits.maxConnectionsPerAddressPerPort = try table.int("max_connections_per_address_per_port",
                                                               default: limits.maxConnectionsPerAddressPerPort, range: 1...1_000_000)
        limits.reservedConnectionsPerPort = try table.int("reserved_connections_per_port", default: limits.reservedConnectionsPerPort,
                                                          range: 0...65_536)
        let uncapped = try table.strings("uncapped_addresses", default: []) ?? []
        for address in uncapped where !isIPAddress(address) {
            throw table.error("uncapped_addresses", "'\(address)' is not an IP address")
        }
        limits.uncappedAddresses = Set(uncapped)
        limits.minimumTransferRate = try table.int("min_transfer_bytes_per_second", default: limits.minimumTransferRate,
                                                   range: 0...1_073_741_824)
        limits.maxConcurrentFileResponses = try table.int("max_concurrent_downloads", default: limits.maxConcurrentFileResponses,
                                                          range: 1...15)
        limits.maxConcurrentFileResponsesPerApp = try table.int("max_concurrent_downloads_per_app",
                                                                default: limits.maxConcurrentFileResponsesPerApp, range: 1...15)
        func millis(_ key: String, _ current: Int64) throws(ConfigError) -> Int64 {
            Int64(try table.int(key, default: Int(current), range: 1...86_400_000))
        }
        limits.headerTimeoutMillis = try millis("header_timeout_ms", limits.headerTimeoutMillis)
        limits.bodyStallTimeoutMillis = try millis("body_stall_timeout_ms", limits.bodyStallTimeoutMillis)
        limits.idleTimeoutMillis = try millis("idle_timeout_ms", limits.idleTimeoutMillis)
        limits.writeStallTimeoutMillis = try millis("write_stall_timeout_ms", limits.writeStallTimeoutMillis)
        limits.shutdownGraceMillis = try millis("shutdown_grace_ms", limits.shutdownGraceMillis)
        limits.requestTimeoutMillis = try millis("request_timeout_ms", limits.requestTimeoutMillis)
        limits.minimumRateWindowMillis = try millis("min_transfer_rate_window_ms", limits.minimumRateWindowMillis)
        limits.earlyAnswerWaitMillis = try millis("early_answer_wait_ms", limits.earlyAnswerWaitMillis)
        limits.refusalLogIntervalMillis = try millis("refusal_log_interval_ms", limits.refusalLogIntervalMillis)
        guard limits.maxURLBytes <= limits.maxHeaderBytes else {
            throw table.error("max_url_bytes", "must not exceed max_header_bytes (\(limits.maxHeaderBytes)): the request line is part of the head")
        }
        return limits
    }

    static func isIPAddress(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > 4 << 20 { return nil }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
