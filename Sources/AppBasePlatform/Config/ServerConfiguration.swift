import AppBaseHTTP
import AppBaseMetrics

/// Everything `appbase serve` reads from `Configuration/appbase.toml`.
public struct ServerConfiguration: Sendable {
    /// `[server]`: the control plane's address and port (host-based routing to apps too).
    public var host: String
    public var port: Int
    /// `[server] log_format`: "text" or "json".
    public var logFormat: AccessLog.Format
    /// `[server] access_log`: false silences the per-request log.
    public var accessLog: Bool
    /// `[ports] first`/`last`: where the PortAllocator assigns app ports from.
    public var portRange: ClosedRange<Int>
    /// `[limits]`: HTTP limits shared by every port.
    public var limits: HTTPLimits
    /// `[auth] hash_threads`, `hash_queue`: the shared Argon2id pool.
    public var hashThreads: Int
    public var hashQueue: Int
    /// `[metrics]`: who may scrape `/metrics` without a master key, and the sampling interval.
    public var metrics = MetricsSettings()
    /// `[apps.<name>]`, in file order.
    public var apps: [AppConfiguration]
    /// The file it came from (for messages).
    public var sourceFile: String

    public init(host: String = "127.0.0.1", port: Int = 8080, logFormat: AccessLog.Format = .text, accessLog: Bool = true,
                portRange: ClosedRange<Int> = 3100...3999, limits: HTTPLimits = HTTPLimits(), hashThreads: Int = 1,
                hashQueue: Int = 64, apps: [AppConfiguration] = [], sourceFile: String = "<memory>") {
        self.host = host
        self.port = port
        self.logFormat = logFormat
        self.accessLog = accessLog
        self.portRange = portRange
        self.limits = limits
        self.hashThreads = hashThreads
        self.hashQueue = hashQueue
        self.apps = apps
        self.sourceFile = sourceFile
    }

    /// The app called `name`, if registered.
    public func app(named name: String) -> AppConfiguration? { apps.first { $0.name == name } }
}

/// One `[apps.<name>]` table.
public struct AppConfiguration: Sendable {
    /// The app's id and DNS label: `^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$`, not "master".
    public var name: String
    /// A fixed port, or nil to let the PortAllocator assign (and remember) one.
    public var port: Int?
    /// Origins allowed by CORS on the public API (`["*"]` by default).
    public var corsOrigins: [String]
    /// Each service's settings (`[apps.<name>.auth]`, `.database`, `.realtime`, `.storage`).
    public var services: AppServiceSettings

    public init(name: String, port: Int? = nil, corsOrigins: [String] = ["*"], services: AppServiceSettings = AppServiceSettings()) {
        self.name = name
        self.port = port
        self.corsOrigins = corsOrigins
        self.services = services
    }

    /// Whether `name` is a valid app name.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...40).contains(bytes.count), name != "master" else { return false }
        func allowed(_ byte: UInt8, edge: Bool) -> Bool {
            (97...122).contains(byte) || (48...57).contains(byte) || (!edge && byte == 45)
        }
        for (index, byte) in bytes.enumerated() where !allowed(byte, edge: index == 0 || index == bytes.count - 1) {
            return false
        }
        return true
    }
}
