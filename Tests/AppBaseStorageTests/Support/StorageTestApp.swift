import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import AppBaseStorage
import AppBaseTestSupport
import Logging

/// Who a test request is: the test authenticator maps `X-Test-As` to an identity.
enum Caller: String, Sendable {
    /// A client key and no user.
    case anonymous
    /// A client key with user A's token.
    case alice
    /// A client key with user B's token.
    case bob
    /// An admin key, no user.
    case admin
    /// No key at all.
    case nobody
}

/// Maps `X-Test-As` to an identity; a route that needs a key refuses requests without one.
struct TestAuthenticator: RequestAuthenticator {
    func authenticate(_ request: HTTPRequest, auth: RouteAuth) throws(AppBaseError) -> Identity {
        guard auth != .none else { return .anonymous }
        let caller = request.headers["x-test-as"].flatMap(Caller.init(rawValue:)) ?? .nobody
        switch caller {
        case .nobody: throw AppBaseError.unauthorized(.missingAPIKey, "missing key")
        case .anonymous: return Identity(keyID: "client", keyKind: .client)
        case .alice: return Identity(keyID: "client", keyKind: .client, user: .init(id: "user-alice", sessionID: "s1", expiresAt: .max))
        case .bob: return Identity(keyID: "client", keyKind: .client, user: .init(id: "user-bob", sessionID: "s2", expiresAt: .max))
        case .admin: return Identity(keyID: "admin", keyKind: .admin)
        }
    }

    func clientIP(for request: HTTPRequest) -> String { request.remoteAddress }
}

/// One app's storage service over a fresh temp dir, served by a real HTTP server on port 0.
final class StorageTestApp: Sendable {
    let app: String
    let database: TestDatabase
    let environment: AppEnvironment
    let service: StorageService
    let clock: ManualWallClock
    let host: TestHTTPHost
    let audit: AuditTap

    /// The data directory: `app.sqlite` and `storage/`.
    var root: String { database.directory }

    /// Starts an app. `root` reuses a data directory (a restart); otherwise a new temp dir.
    static func start(app: String = "notes", settings: StorageSettings = StorageSettings(), root: String? = nil,
                      clock: ManualWallClock = ManualWallClock(), secret: [UInt8]? = nil,
                      users: (any UserStatusSource)? = nil, beforeStart: (@Sendable (String) throws -> Void)? = nil) async throws -> StorageTestApp {
        let root = try root ?? TemporaryDirectory.make(prefix: "appbase-storage")
        let database = try await TestDatabase.open(in: root, foreignKeys: true, migrations: [StorageService.migrations])
        let bus = EventBus()
        let audit = AuditTap(bus: bus)
        var logger = Logger(label: "storage-test")
        logger.logLevel = .critical
        let masterSecret = secret ?? (0..<32).map { _ in UInt8.random(in: 0...255) }
        let environment = database.environment(app: app, bus: bus, clock: clock, logger: logger, masterSecret: masterSecret)
        try beforeStart?(environment.storageDirectory)
        let service = StorageService(environment: environment, settings: settings, users: users)
        try await service.start()
        let router = Router.serving(service, app: app, authenticator: TestAuthenticator(), logger: logger)
        let host = try await TestHTTPHost.start(serving: router, loopName: "storage-test-loop")
        return StorageTestApp(app: app, database: database, environment: environment, service: service,
                              clock: clock, host: host, audit: audit)
    }

    private init(app: String, database: TestDatabase, environment: AppEnvironment, service: StorageService,
                 clock: ManualWallClock, host: TestHTTPHost, audit: AuditTap) {
        self.app = app
        self.database = database
        self.environment = environment
        self.service = service
        self.clock = clock
        self.host = host
        self.audit = audit
    }

    /// Stops the server and the service, closes the database; `removeFiles` deletes the data dir.
    func stop(removeFiles: Bool = true) async {
        await host.shutdown()
        await service.shutdown()
        await database.close()
        audit.cancel()
        if removeFiles { TemporaryDirectory.remove(root) }
    }

    // MARK: Requests

    /// A new raw connection to the server (for requests a test abandons half-way).
    func connect() async throws -> RawHTTPClient { try await RawHTTPClient.connect(port: host.port) }

    /// Sends `pieces` on a fresh connection (pausing `pause` between them) and reads one response.
    func exchange(_ pieces: [[UInt8]], method: String, pause: Duration = .zero) async throws -> RawHTTPResponse {
        try await RawHTTPClient.exchange(port: host.port, pieces: pieces, pause: pause, method: method)
    }

    /// Sends one request with a `Content-Length` body.
    func request(_ method: String, _ path: String, as caller: Caller = .alice, headers: [(String, String)] = [],
                 body: [UInt8] = []) async throws -> RawHTTPResponse {
        let head = Self.head(method, path, caller: caller, headers: headers + [("Content-Length", "\(body.count)")])
        return try await exchange([head + body], method: method)
    }

    /// Sends one request with a chunked body, each chunk in its own segment.
    func chunked(_ method: String, _ path: String, as caller: Caller = .alice, headers: [(String, String)] = [],
                 chunks: [[UInt8]]) async throws -> RawHTTPResponse {
        var pieces = [Self.head(method, path, caller: caller, headers: headers + [("Transfer-Encoding", "chunked")])]
        for chunk in chunks where !chunk.isEmpty {
            pieces.append(Array(String(chunk.count, radix: 16).utf8) + [13, 10] + chunk + [13, 10])
        }
        pieces.append(Array("0\r\n\r\n".utf8))
        return try await exchange(pieces, method: method, pause: .milliseconds(2))
    }

    /// Sends head and body split at `splits` (offsets into the body), one segment each.
    func split(_ method: String, _ path: String, as caller: Caller = .alice, headers: [(String, String)] = [],
               body: [UInt8], at splits: [Int]) async throws -> RawHTTPResponse {
        var pieces = [Self.head(method, path, caller: caller, headers: headers + [("Content-Length", "\(body.count)")])]
        var start = 0
        for split in splits + [body.count] where split > start {
            pieces.append(Array(body[start..<split]))
            start = split
        }
        return try await exchange(pieces, method: method, pause: .milliseconds(2))
    }

    static func head(_ method: String, _ path: String, caller: Caller, headers: [(String, String)]) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
        if caller != .nobody { text += "X-Test-As: \(caller.rawValue)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    /// Uploads `bytes` raw; returns the response.
    func upload(_ bytes: [UInt8], to bucket: String = "docs", as caller: Caller = .alice,
                contentType: String? = "application/octet-stream", name: String? = nil) async throws -> RawHTTPResponse {
        var path = "/storage/buckets/\(bucket)/upload"
        if let name { path += "?name=\(QueryString.percentEncode(name))" }
        return try await request("POST", path, as: caller, headers: contentType.map { [("Content-Type", $0)] } ?? [],
                                 body: bytes)
    }

    /// Uploads and returns the new file's id (fails the test on anything but 201).
    func uploadID(_ bytes: [UInt8], to bucket: String = "docs", as caller: Caller = .alice,
                  contentType: String? = "application/octet-stream", name: String? = nil) async throws -> String {
        let response = try await upload(bytes, to: bucket, as: caller, contentType: contentType, name: name)
        guard response.status == 201, let id = response.json["id"]?.stringValue else {
            throw TestFailure("upload failed: \(response.status) \(response.bodyText)")
        }
        return id
    }

    // MARK: Inspection

    /// Audit events published so far (and not yet taken).
    func auditEvents() async -> [AuditEvent] { await audit.take() }

    /// Names in `storage/tmp` and `storage/blobs`.
    var temporaryFiles: [String] { TemporaryDirectory.list(root + "/storage/tmp") }
    var blobFiles: [String] { TemporaryDirectory.list(root + "/storage/blobs") }

    /// Waits (bounded) until no upload is streaming: a refused or abandoned upload's cleanup
    /// may still be running when its response (or the disconnect) reaches the test.
    func waitForUploadsToEnd() async throws {
        try await waitUntil("no upload is active") { await $0.service.activeUploadCount == 0 }
    }

    /// Polls `condition` until it holds (the service publishes no event for it); the deadline
    /// (`eventually`'s default) only bounds a hang.
    func waitUntil(_ what: String, _ condition: @Sendable (StorageTestApp) async -> Bool) async throws {
        guard await eventually({ await condition(self) }) else {
            throw TestFailure("timed out waiting until \(what)")
        }
    }

    /// Rows in a storage table.
    func count(_ table: String) async throws -> Int {
        try await environment.readers.read { connection in
            Int(try connection.queryOne("SELECT COUNT(*) FROM \(table)") { $0.int64(0) } ?? 0)
        }
    }
}

