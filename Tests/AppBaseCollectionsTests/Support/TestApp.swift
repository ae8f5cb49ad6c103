import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import AppBaseTestSupport
import Logging
import AppBaseCollections
import AppBaseHTTP

/// One app's collections service over a fresh temporary database, called through its router
/// in-process (the authentication step is `TestAuthenticator`).
final class TestApp: TestFixture {
    let database: TestDatabase
    let bus: EventBus
    let clock: ManualWallClock
    let recorder: TestRecorder
    let service: CollectionService
    let router: Router
    /// What the service was built with (for a second service over the same database).
    let environment: AppEnvironment

    var writer: DatabaseWriter { database.writer }
    var readers: DatabaseReaders { database.readers }

    /// Runs `body` with a fresh app and closes it (database and directory) afterwards.
    static func with(_ configure: (inout CollectionSettings) -> Void = { _ in },
                     _ body: (TestApp) async throws -> Void) async throws {
        try await make(configure).use(body)
    }

    static func make(_ configure: (inout CollectionSettings) -> Void = { _ in }) async throws -> TestApp {
        var settings = CollectionSettings()
        configure(&settings)
        let directory = try TemporaryDirectory.make(prefix: "appbase-collections")
        let changelog = MigrationSet(namespace: "test-changelog", migrations: TestRecorder.migrations)
        let database = try await TestDatabase.open(in: directory, migrations: [CollectionService.migrations, changelog])
        let bus = EventBus()
        let clock = ManualWallClock()
        let environment = database.environment(app: "test", bus: bus, clock: clock, logger: Logger(label: "test"),
                                               masterSecret: [UInt8](repeating: 7, count: 32))
        let recorder = TestRecorder()
        let service = CollectionService(environment: environment, settings: settings, recorder: recorder)
        try await service.start()
        let router = Router.serving(service, app: "test", authenticator: TestAuthenticator(), logger: Logger(label: "test"))
        return TestApp(database: database, bus: bus, clock: clock, recorder: recorder, service: service, router: router,
                       environment: environment)
    }

    private init(database: TestDatabase, bus: EventBus, clock: ManualWallClock, recorder: TestRecorder,
                 service: CollectionService, router: Router, environment: AppEnvironment) {
        self.database = database
        self.bus = bus
        self.clock = clock
        self.recorder = recorder
        self.service = service
        self.router = router
        self.environment = environment
    }

    /// Sends one request as `caller` and returns the finished response.
    func request(_ method: String, _ target: String, as caller: TestCaller, body: String? = nil,
                 headers: [(String, String)] = []) async -> TestResponse {
        await request(method, target, as: caller, bytes: body.map { Array($0.utf8) }, headers: headers)
    }

    func request(_ method: String, _ target: String, as caller: TestCaller, bytes: [UInt8]?,
                 headers: [(String, String)] = []) async -> TestResponse {
        let request = requestValue(method, target, as: caller, bytes: bytes, headers: headers)
        let response: HTTPResponse
        switch router.dispatch(request) {
        case .respond(let immediate): response = immediate
        case .handle(_, let handler): response = await handler(request)
        }
        var body: [UInt8] = []
        if case .bytes(let bytes) = response.body { body = bytes }
        return TestResponse(status: response.status, headers: response.headers, body: body)
    }

    /// The request value the server would build for `target`.
    func requestValue(_ method: String, _ target: String, as caller: TestCaller = .admin, bytes: [UInt8]? = nil,
                      headers: [(String, String)] = []) -> HTTPRequest {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var fields = headers.map { (name: $0.0.lowercased(), value: $0.1) }
        if caller != .none { fields.append((name: "x-test-caller", value: caller.rawValue)) }
        let request = HTTPRequest(
            methodName: method, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : "",
            headers: HTTPHeaders(fields), versionMajor: 1, versionMinor: 1, keepAlive: true, remoteAddress: "127.0.0.1",
            localPort: 0, requestID: Identifier.requestID(), contentLength: bytes.map { Int64($0.count) }, isChunked: false,
            body: bytes.map { RequestBody.bytes($0) } ?? RequestBody.empty(), startedAt: 0)
        return request
    }

    /// Creates a record as `caller` and returns it (fails the test on a non-201).
    func create(_ collection: String, _ json: String, as caller: TestCaller = .alice) async throws -> JSONValue {
        let response = await request("POST", "/db/collections/\(collection)", as: caller, body: json)
        guard response.status == 201 else { throw TestAppError("create failed: \(response.status) \(response.text)") }
        return response.json
    }

    /// Runs SQL on a reader connection.
    func query<T: Sendable>(_ sql: String, _ row: @escaping @Sendable (SQLiteStatement) -> T) async throws -> [T] {
        try await readers.read { connection in try connection.query(sql, row: row) }
    }

    /// Closes the database and removes the directory.
    func close() async {
        await database.close()
        TemporaryDirectory.remove(database.directory)
    }
}

struct TestAppError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
