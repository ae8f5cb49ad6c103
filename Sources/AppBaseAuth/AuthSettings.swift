import AppBaseCore

/// One app's auth configuration: who may register, token lifetimes, password-hashing cost, throttles
/// and trusted proxies. A value passed down by the platform (from the app's config table); every field
/// has a documented default, and `validate()` reports a bad one by name before the app starts.
public struct AuthSettings: Sendable, Hashable {
    /// Who may create accounts through `POST /auth/register`.
    public enum Registration: String, Sendable, Hashable {
        /// Anyone holding the app's client key.
        case open
        /// Only requests carrying an admin key (an admin creates users).
        case closed
    }

    /// `open` (default) or `closed`.
    public var registration: Registration = .open
    /// Access-token (JWT) lifetime: 900 s (15 minutes).
    public var accessTokenTTLSeconds: Int64 = 900
    /// Refresh-token lifetime, renewed on every rotation (sliding): 30 days.
    public var refreshTokenTTLSeconds: Int64 = 30 * 86_400
    /// How long a just-rotated refresh token may still be presented (two tabs, a retried request) and
    /// get a valid pair of the same session instead of revoking it: 10 s.
    public var refreshGraceSeconds: Int64 = 10
    /// Argon2id memory per hash in KiB: 32768 (32 MiB, see docs/adr/0006-argon2id-parameters.md).
    public var argon2MemoryKiB: Int = 32 * 1024
    /// Argon2id passes over memory: 2.
    public var argon2Iterations: Int = 2
    /// Threads of the hashing pool the platform builds for auth (`makeHashPool`): 1, so a login storm
    /// can occupy at most one of the two cores.
    public var hashThreads: Int = 1
    /// Hash jobs admitted (running plus waiting) before logins get 503 `server_busy`: 64
    /// (at 40 ms per hash that is a queue of about 2.5 s on one thread).
    public var hashQueue: Int = 64
    /// Login attempts per (client IP, email): 10 per 5 minutes. A successful login clears the pair.
    public var loginPerIPAndEmail = RateLimit(limit: 10, windowSeconds: 300)
    /// Login attempts per client IP, whatever the email: 100 per 5 minutes.
    public var loginPerIP = RateLimit(limit: 100, windowSeconds: 300)
    /// Registrations per client IP: 20 per hour (admin-key requests are not throttled).
    public var registerPerIP = RateLimit(limit: 20, windowSeconds: 3600)
    /// Addresses (`10.0.0.1`, `::1`) or CIDR blocks (`10.0.0.0/8`, `fd00::/8`) of reverse proxies whose
    /// `X-Forwarded-For` is believed. Empty (default): the socket peer is always the client.
    public var trustedProxies: [String] = []
    /// How often in-memory `lastUsedAt` of API keys is written to the database (and other periodic
    /// upkeep runs): 60 s. Also flushed on shutdown.
    public var lastUsedFlushSeconds: Int = 60

    /// The defaults above.
    public init() {}

    /// Checks every field; the platform calls it when it loads the config so a bad value is reported
    /// with its key before the app starts (`start()` calls it too).
    /// - Throws: `AuthSettingsError` naming the first bad field.
    public func validate() throws(AuthSettingsError) {
        func require(_ condition: Bool, _ field: String, _ problem: String) throws(AuthSettingsError) {
            if !condition { throw AuthSettingsError(field: field, problem: problem) }
        }
        try require(accessTokenTTLSeconds >= 30 && accessTokenTTLSeconds <= 86_400, "access_token_ttl",
                    "must be between 30 and 86400 seconds")
        try require(refreshTokenTTLSeconds >= accessTokenTTLSeconds && refreshTokenTTLSeconds <= 365 * 86_400,
                    "refresh_token_ttl", "must be at least the access token lifetime and at most 365 days")
        try require(refreshGraceSeconds >= 0 && refreshGraceSeconds <= 300, "refresh_grace",
                    "must be between 0 and 300 seconds")
        _ = try argon2Parameters()
        try require(hashThreads >= 1 && hashThreads <= 64, "hash_threads", "must be between 1 and 64")
        try require(hashQueue >= 1, "hash_queue", "must be at least 1")
        try require(loginPerIPAndEmail.isValid, "login_per_ip_and_email", RateLimit.problem)
        try require(loginPerIP.isValid, "login_per_ip", RateLimit.problem)
        try require(registerPerIP.isValid, "register_per_ip", RateLimit.problem)
        try require(lastUsedFlushSeconds >= 1, "last_used_flush", "must be at least 1 second")
        for proxy in trustedProxies {
            try require(IPAddressRange(parsing: proxy) != nil, "trusted_proxies",
                        "\"\(proxy)\" is not an IP address or CIDR block")
        }
    }

    /// The Argon2id parameters new hashes are made with.
    /// - Throws: `AuthSettingsError` when libsodium would refuse them.
    package func argon2Parameters() throws(AuthSettingsError) -> Argon2Parameters {
        guard argon2Iterations >= 1, argon2MemoryKiB >= 8, argon2MemoryKiB <= (1 << 32) else {
            throw AuthSettingsError(field: "argon2", problem: "iterations must be ≥ 1 and memory between 8 KiB and 4 TiB")
        }
        do {
            return try Argon2Parameters(opsLimit: UInt64(argon2Iterations), memLimitBytes: argon2MemoryKiB * 1024)
        } catch {
            throw AuthSettingsError(field: "argon2", problem: "parameters are outside what libsodium accepts")
        }
    }

    /// The bounded pool of dedicated hashing threads these settings describe (`hashThreads`,
    /// `hashQueue`); overflow answers 503 `server_busy` with `Retry-After: 1`.
    public func makeHashPool(name: String = "auth-hash") -> BlockingWorkPool {
        BlockingWorkPool(name: name, threadCount: hashThreads, maxQueued: hashQueue, retryAfterSeconds: 1)
    }
}

/// At most `limit` events per `windowSeconds` for one key, with bursts up to `limit`
/// (enforced as a generic cell-rate algorithm by `RateLimiter`).
public struct RateLimit: Sendable, Hashable {
    /// Events allowed per window (≥ 1).
    public var limit: Int
    /// The window in seconds (≥ 1).
    public var windowSeconds: Int

    /// `limit` events per `windowSeconds`; `AuthSettings.validate()` checks the bounds.
    public init(limit: Int, windowSeconds: Int) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    var isValid: Bool { limit >= 1 && windowSeconds >= 1 && windowSeconds <= 86_400 * 7 }
    static let problem = "limit must be ≥ 1 and the window between 1 second and 7 days"
}

/// A bad auth setting: which one, and what is wrong with it (never a secret).
public struct AuthSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The setting's key, as in the config file (`refresh_grace`, `trusted_proxies`…).
    public let field: String
    /// What is wrong, e.g. "must be between 0 and 300 seconds".
    public let problem: String
    /// An error for `field`.
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }
    /// `auth setting <field>: <problem>`.
    public var description: String { "auth setting \(field): \(problem)" }
}
