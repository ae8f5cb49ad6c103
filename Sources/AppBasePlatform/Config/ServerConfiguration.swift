import AppBaseCore
import AppBaseHTTP
import AppBaseMDNS
import AppBaseMetrics
import AppBaseTLS

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
    /// `[ports] reclaim_grace_seconds`: how long a deleted app's port stays unassignable.
    public var reclaimGraceSeconds: Int
    /// `[limits]`: HTTP limits shared by every port.
    public var limits: HTTPLimits
    /// `[auth] hash_threads`, `hash_queue`: the shared Argon2id pool.
    public var hashThreads: Int
    public var hashQueue: Int
    /// `[auth] hash_queue_per_app`: hashing jobs one app may have admitted (running plus waiting)
    /// in the shared pool; apps take turns (ADR 0021).
    public var hashQueuePerApp: Int
    /// `[mdns]`: LAN announcements through avahi-daemon. On by default in a file (the loader
    /// sets it); off in a configuration built in code, so in-process tests announce nothing.
    public var mdns = MDNSSettings(enabled: false)
    /// `[tls]`: HTTPS with a local CA. Off in a configuration built in code and in a file
    /// without `[tls] enabled` (existing installs); the shipped `appbase.toml` turns it on.
    public var tls = TLSSettings()
    /// `[health]`: the HealthMonitor's probes and the restart policy.
    public var health = HealthSettings()
    /// `[faults]`: fault injection (off by default).
    public var faults = FaultSettings()
    /// `[metrics]`: who may scrape `/metrics` without a master key, and the sampling interval.
    public var metrics = MetricsSettings()
    /// `[apps.<name>]`, in file order.
    public var apps: [AppConfiguration]
    /// The file it came from (for messages).
    public var sourceFile: String
    /// Whether the server watches `sourceFile` for hot reload (`appbase serve` does; a
    /// configuration built in memory, as in tests, has no file to watch).
    public var watchesSourceFile = false
    /// The service settings an app created through the control plane starts from (not a file
    /// key: the defaults; tests lower the hashing cost). `implicit_collections` is always
    /// false for such apps, whatever this says.
    public var apiAppServices: AppServiceSettings

    public init(host: String = "127.0.0.1", port: Int = 8080, logFormat: AccessLog.Format = .text, accessLog: Bool = true,
                portRange: ClosedRange<Int> = 3100...3999, reclaimGraceSeconds: Int = 86_400, limits: HTTPLimits = HTTPLimits(), hashThreads: Int = 1,
                hashQueue: Int = 64, hashQueuePerApp: Int = 16, apps: [AppConfiguration] = [], sourceFile: String = "<memory>",
                apiAppServices: AppServiceSettings = AppServiceSettings()) {
        self.host = host
        self.port = port
        self.logFormat = logFormat
        self.accessLog = accessLog
        self.portRange = portRange
        self.reclaimGraceSeconds = reclaimGraceSeconds
        self.limits = limits
        self.hashThreads = hashThreads
        self.hashQueue = hashQueue
        self.hashQueuePerApp = hashQueuePerApp
        self.apps = apps
        self.sourceFile = sourceFile
        self.apiAppServices = apiAppServices
    }

    /// The app called `name`, if registered.
    public func app(named name: String) -> AppConfiguration? { apps.first { $0.name == name } }
}

/// One `[apps.<name>]` table.
public struct AppConfiguration: Sendable, Equatable {
    /// The app's id and DNS label: `^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$`, not "master".
    public var name: String
    /// A fixed port, or nil to let the PortAllocator assign (and remember) one.
    public var port: Int?
    /// Origins allowed by CORS on the public API (`["*"]` by default).
    public var corsOrigins: [String]
    /// Each service's settings (`[apps.<name>.auth]`, `.database`, `.realtime`, `.storage`).
    public var services: AppServiceSettings
    /// `site_dir`: a directory of static files served at `/app/` on the app's port (a web app
    /// next to its API, same origin), or nil. Resolved against the config file's directory.
    public var siteDirectory: String?
    /// `[apps.<name>.backup]`: scheduled backups, or nil for none.
    public var backup: BackupSchedule?

    public init(name: String, port: Int? = nil, corsOrigins: [String] = ["*"], services: AppServiceSettings = AppServiceSettings()) {
        self.name = name
        self.port = port
        self.corsOrigins = corsOrigins
        self.services = services
    }

    /// The CORS policy of the app's public API, while it serves and while it restarts.
    public var corsPolicy: CORSPolicy { CORSPolicy(allowedOrigins: corsOrigins) }

    /// Whether `name` is a valid app name.
    public static func isValidName(_ name: String) -> Bool {
        name != "master" && DNSLabel.isValid(name, maxLength: 40)
    }
}
