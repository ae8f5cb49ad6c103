import AppBaseCore
import AppBaseRuntime
import AppBaseTestSupport
import Logging
import Testing
@testable import AppBaseAuth
@testable import AppBaseHTTP

/// One app with a running `AuthService` over a fresh temporary data directory, driven through a
/// `Router` built from the service's routes with the service as authenticator — the same path a
/// request takes in the server, minus the socket.
final class AuthTestApp: TestFixture {
    let name: String
    let database: TestDatabase
    let clock: ManualWallClock
    let environment: AppEnvironment
    let service: AuthService
    let router: Router
    let hashPool: BlockingWorkPool
    let audit: AuditTap
    /// A client and an admin key created with `APIKeyAdmin` before the service started.
    let clientKey: String
    let adminKey: String

    /// The data directory (the database and nothing else).
    var directory: String { database.directory }
    /// `<directory>/app.sqlite`, for `APIKeyAdmin`.
    var databasePath: String { database.path }

    /// Cheap Argon2 parameters (8 KiB, t = 1) keep the suite fast; throttles are generous unless a
    /// test sets them.
    static func fastSettings() -> AuthSettings {
        var settings = AuthSettings()
        settings.argon2MemoryKiB = 8
        settings.argon2Iterations = 1
        settings.loginPerIP = RateLimit(limit: 1000, windowSeconds: 60)
        settings.loginPerIPAndEmail = RateLimit(limit: 1000, windowSeconds: 60)
        settings.registerPerIP = RateLimit(limit: 1000, windowSeconds: 60)
        return settings
    }

    /// `fastSettings()` with refresh tokens (and so sessions) living `refreshTokenTTLSeconds`.
    static func fastSettings(refreshTokenTTLSeconds: Int64) -> AuthSettings {
        var settings = fastSettings()
        settings.refreshTokenTTLSeconds = refreshTokenTTLSeconds
        return settings
    }

    /// Creates the directory and keys, opens the database, starts the service.
    static func make(name: String = "notes", settings: AuthSettings = fastSettings(),
                     clock: ManualWallClock = ManualWallClock(), hashPool: BlockingWorkPool? = nil, hashLane: String? = nil,
                     directory: String? = nil, masterSecret: [UInt8]? = nil,
                     logs: LogCapture? = nil) async throws -> AuthTestApp {
        func logger(_ label: String) -> Logger {
            guard let logs else { return Logger(label: label) }
            return Logger(label: label) { _ in CapturingLogHandler(capture: logs) }
        }
        let directory = try directory ?? makeTemporaryDirectory()
        let path = TestDatabase.path(in: directory)
        let client = try APIKeyAdmin.create(databasePath: path, name: "client", kind: .client, clock: clock)
        let admin = try APIKeyAdmin.create(databasePath: path, name: "admin", kind: .admin, clock: clock)
        let database = try await TestDatabase.open(in: directory, foreignKeys: true,
                                                  migrations: [AuthService.migrations, AuthService.dashboardMigrations])
        let bus = EventBus()
        let audit = AuditTap(bus: bus)
        let environment = database.environment(
            app: name, bus: bus, clock: clock, logger: logger("test.\(name)"),
            masterSecret: masterSecret ?? (0..<32).map { _ in UInt8.random(in: 0...255) })
        let pool = hashPool ?? settings.makeHashPool(name: "test-hash")
        // With a lane the app hashes in its own turn of a pool other apps share, as the server does.
        let runner: any BlockingWorkRunner = hashLane.map { pool.lane($0) } ?? pool
        let service = AuthService(environment: environment, settings: settings, hashPool: runner)
        try await service.start()
        let router = Router.serving(service, app: name, authenticator: service, logger: logger("test.router"))
        return AuthTestApp(name: name, database: database, clock: clock, environment: environment, service: service,
                           router: router, hashPool: pool, audit: audit, clientKey: client.key, adminKey: admin.key)
    }

    private init(name: String, database: TestDatabase, clock: ManualWallClock, environment: AppEnvironment,
                 service: AuthService, router: Router, hashPool: BlockingWorkPool, audit: AuditTap,
                 clientKey: String, adminKey: String) {
        self.name = name
        self.database = database
        self.clock = clock
        self.environment = environment
        self.service = service
        self.router = router
        self.hashPool = hashPool
        self.audit = audit
        self.clientKey = clientKey
        self.adminKey = adminKey
    }

    /// Shuts the service down, closes the database and removes the directory.
    func close() async { await close(removing: true) }

    /// Shuts the service down and closes the database; `removing` also removes the directory
    /// (false keeps it for a restart over the same data).
    func close(removing: Bool) async {
        await service.shutdown()
        audit.cancel()
        await database.close()
        hashPool.shutdown()
        if removing { Self.removeDirectory(directory) }
    }

    // MARK: Requests

    /// Sends one request through the router. `key` nil sends no `X-API-Key`.
    func send(_ method: HTTPMethod, _ path: String, query: String = "", key: String? = nil, token: String? = nil,
              headers: [(String, String)] = [], body: JSONValue? = nil, rawBody: [UInt8]? = nil,
              remote: String = "192.0.2.10") async -> TestResponse {
        let request = Self.request(method, path, query: query, key: key, token: token, headers: headers,
                                   body: rawBody ?? body?.serialized() ?? [], remote: remote)
        let response: HTTPResponse
        switch router.dispatch(request) {
        case .respond(let immediate): response = immediate
        case .handle(_, let handler): response = await handler(request)
        }
        return TestResponse(response)
    }

    /// A request as the HTTP layer would hand it over (header names lowercased).
    static func request(_ method: HTTPMethod, _ path: String, query: String = "", key: String? = nil, token: String? = nil,
                        headers: [(String, String)] = [], body: [UInt8] = [], remote: String = "192.0.2.10") -> HTTPRequest {
        var fields: [(name: String, value: String)] = []
        if let key { fields.append(("x-api-key", key)) }
        if let token { fields.append(("authorization", "Bearer " + token)) }
        for (name, value) in headers { fields.append((name.lowercased(), value)) }
        return HTTPRequest(
            methodName: method.rawValue, path: path, query: query, headers: HTTPHeaders(fields), versionMajor: 1,
            versionMinor: 1, keepAlive: true, remoteAddress: remote, localPort: 3101, requestID: Identifier.requestID(),
            contentLength: Int64(body.count), isChunked: false, body: RequestBody.bytes(body), startedAt: 0)
    }

    /// `authenticate` on a request, as a `Result` carrying the refusal's code.
    func authenticate(_ request: HTTPRequest, auth: RouteAuth = .apiKey) -> Result<Identity, AppBaseError> {
        Result { () throws(AppBaseError) in try service.authenticate(request, auth: auth) }
    }

    /// Sends with the client key (the common case).
    func client(_ method: HTTPMethod, _ path: String, token: String? = nil, body: JSONValue? = nil,
                remote: String = "192.0.2.10") async -> TestResponse {
        await send(method, path, key: clientKey, token: token, body: body, remote: remote)
    }

    /// Registers `email` and returns the session response (which must be 201).
    func register(_ email: String, password: String = "correct horse battery") async throws -> Session {
        let response = await client(.POST, "/auth/register", body: ["email": .string(email), "password": .string(password)])
        try #require(response.status == 201, "register: \(response)")
        return try Session(response)
    }

    /// Logs in and returns the session response (which must be 200).
    func login(_ email: String, password: String = "correct horse battery", remote: String = "192.0.2.10") async throws -> Session {
        let response = await client(.POST, "/auth/login", body: ["email": .string(email), "password": .string(password)],
                                    remote: remote)
        try #require(response.status == 200, "login: \(response)")
        return try Session(response)
    }

    /// Presents a refresh token.
    func refresh(_ refreshToken: String) async -> TestResponse {
        await client(.POST, "/auth/refresh", body: ["refreshToken": .string(refreshToken)])
    }

    /// The audit events published so far and not yet taken.
    func takeAuditEvents() async -> [AuditEvent] { await audit.take() }

    /// The actions of the audit events published so far and not yet taken.
    func takeAuditActions() async -> [String] { await takeAuditEvents().map(\.action) }

    // MARK: Files

    /// A fresh data directory, `/tmp/appbase-auth-test-XXXXXX`.
    static func makeTemporaryDirectory() throws -> String {
        try TemporaryDirectory.make(prefix: "appbase-auth-test")
    }

    /// Removes a data directory and everything in it.
    static func removeDirectory(_ directory: String) {
        TemporaryDirectory.remove(directory)
    }
}

/// A response with its JSON body parsed.
struct TestResponse: CustomStringConvertible {
    let status: Int
    let headers: HTTPHeaders
    let json: JSONValue?

    init(_ response: HTTPResponse) {
        status = response.status
        headers = response.headers
        if case .bytes(let bytes) = response.body, !bytes.isEmpty {
            json = try? JSONParser.parse(bytes)
        } else {
            json = nil
        }
    }

    /// `error.code` of an error body.
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var retryAfter: String? { headers["retry-after"] }
    var description: String { "\(status) \(json?.jsonText ?? "")" }
}

/// The tokens of a register, login or refresh response.
struct Session {
    let userID: String
    let email: String
    let accessToken: String
    let refreshToken: String
    let expiresIn: Int64

    init(_ response: TestResponse) throws {
        let json = try #require(response.json)
        userID = try #require(json["user"]?["id"]?.stringValue)
        email = try #require(json["user"]?["email"]?.stringValue)
        accessToken = try #require(json["accessToken"]?.stringValue)
        refreshToken = try #require(json["refreshToken"]?.stringValue)
        expiresIn = try #require(json["expiresIn"]?.intValue)
    }

    /// The `sid` claim of the access token (decoded without verification).
    var sessionID: String { claims?["sid"]?.stringValue ?? "" }

    /// The access token's claims, decoded without verification.
    var claims: JSONValue? {
        let parts = accessToken.split(separator: ".")
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]) else { return nil }
        return try? JSONParser.parse(payload)
    }
}

/// Runs `body` with a fresh app and closes it afterwards, also when `body` throws.
func withApp(settings: AuthSettings = AuthTestApp.fastSettings(), clock: ManualWallClock = ManualWallClock(),
             name: String = "notes", _ body: (AuthTestApp) async throws -> Void) async throws {
    try await AuthTestApp.make(name: name, settings: settings, clock: clock).use(body)
}
