import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import Logging
import AppBaseChangeFeed
#if canImport(Glibc)
import Glibc
#endif

/// The change feed of one app over a fresh temporary database, behind a real HTTP server on an
/// ephemeral port. Changes are written the way the collections service writes them: through
/// the writer, with `record(_:in:)` inside the transaction.
final class FeedTestApp: Sendable {
    let directory: String
    let writer: DatabaseWriter
    let readers: DatabaseReaders
    let clock: ManualWallClock
    let rules: StubRules
    let identities: StubIdentities
    let service: ChangeFeedService
    let loop: EventLoop
    let server: HTTPServer
    let port: Int

    /// Runs `body` with a fresh app and tears it down afterwards.
    static func with(_ configure: (inout ChangeFeedSettings) -> Void = { _ in },
                     _ body: (FeedTestApp) async throws -> Void) async throws {
        let app = try await make(configure)
        do {
            try await body(app)
        } catch {
            await app.close()
            throw error
        }
        await app.close()
    }

    static func make(_ configure: (inout ChangeFeedSettings) -> Void) async throws -> FeedTestApp {
        var settings = ChangeFeedSettings()
        configure(&settings)
        var template = Array("/tmp/appbase-feed-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw ClientError("mkdtemp failed") }
        let directory = String(cString: created)
        let path = directory + "/app.sqlite"
        let writer = try await DatabaseWriter.open(
            path: path, pragmas: ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"],
            migrations: [(ChangeFeedService.migrations.namespace, ChangeFeedService.migrations.migrations)])
        let readers = try await DatabaseReaders.open(path: path, count: 2, pragmas: [])
        let clock = ManualWallClock()
        let environment = AppEnvironment(app: "test", dataDirectory: directory, storageDirectory: directory,
                                         writer: writer, readers: readers, bus: EventBus(), clock: clock,
                                         logger: Logger(label: "test"), masterSecret: [UInt8](repeating: 1, count: 32))
        let rules = StubRules()
        rules.set(AccessRules(), for: "notes")
        let identities = StubIdentities()
        let service = ChangeFeedService(environment: environment, settings: settings, identities: identities)
        service.attach(rules: rules)
        try await service.start()
        var routes = RouteTable()
        service.registerRoutes(on: &routes)
        let router = Router(app: "test", routes: routes, cors: CORSPolicy(), limits: HTTPLimits(),
                            authenticator: TestAuthenticator(), logger: Logger(label: "test"))
        let loop = EventLoop()
        var limits = HTTPLimits()
        limits.shutdownGraceMillis = 500
        let server = HTTPServer(loop: loop, limits: limits)
        let port = try await server.listen(host: "127.0.0.1", port: 0, dispatcher: router)
        return FeedTestApp(directory: directory, writer: writer, readers: readers, clock: clock, rules: rules,
                           identities: identities, service: service, loop: loop, server: server, port: port)
    }

    private init(directory: String, writer: DatabaseWriter, readers: DatabaseReaders, clock: ManualWallClock, rules: StubRules,
                 identities: StubIdentities, service: ChangeFeedService, loop: EventLoop, server: HTTPServer, port: Int) {
        self.directory = directory
        self.writer = writer
        self.readers = readers
        self.clock = clock
        self.rules = rules
        self.identities = identities
        self.service = service
        self.loop = loop
        self.server = server
        self.port = port
    }

    /// Opens `GET /db/collections/<collection>/subscribe<query>` as `caller`.
    func subscribe(_ collection: String = "notes", query: String = "", as caller: TestCaller = .alice,
                   headers: [(String, String)] = [], receiveBuffer: Int32? = nil) async throws -> SSEClient {
        try await SSEClient.open(port: port, path: "/db/collections/\(collection)/subscribe\(query)",
                                 headers: [("X-Test-Caller", caller.rawValue)] + headers, receiveBuffer: receiveBuffer)
    }

    /// Subscribes and reads up to (and including) `ready`, returning the stream and what came before.
    func subscribeReady(_ collection: String = "notes", query: String = "", as caller: TestCaller = .alice,
                        headers: [(String, String)] = []) async throws -> (SSEClient, [SSEClient.Event]) {
        let client = try await subscribe(collection, query: query, as: caller, headers: headers)
        guard client.status == 200 else { throw ClientError("subscribe answered \(client.status)") }
        let events = try await client.events(until: { $0.event == "ready" })
        return (client, events)
    }

    /// Writes one change through the writer, as the collections service does; returns its sequence.
    @discardableResult
    func write(_ action: RecordAction, _ id: String, collection: String = "notes", owner: String? = TestCaller.aliceID,
               old: String? = nil, new: String? = nil) async throws -> Int64 {
        let change = RecordChange(collection: collection, recordID: id, ownerID: owner, action: action,
                                  oldImage: old.map { Array($0.utf8) }, newImage: new.map { Array($0.utf8) }, requestID: nil)
        let service = self.service
        return try await writer.write { context in try service.record(change, in: context) }
    }

    /// Creates record `id` with `fields` (JSON members, e.g. `"n":1`) and returns its image.
    @discardableResult
    func create(_ id: String, _ fields: String = "", collection: String = "notes",
                owner: String? = TestCaller.aliceID) async throws -> (seq: Int64, image: String) {
        let image = Self.image(id, owner: owner, version: 1, fields)
        return (try await write(.create, id, collection: collection, owner: owner, new: image), image)
    }

    /// A record image as the collections service writes it.
    static func image(_ id: String, owner: String? = TestCaller.aliceID, version: Int, _ fields: String = "") -> String {
        let ownerText = owner.map { "\"\($0)\"" } ?? "null"
        return #"{"id":"\#(id)","ownerId":\#(ownerText),"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z","version":\#(version)"#
            + (fields.isEmpty ? "" : "," + fields) + "}"
    }

    /// The log's newest sequence.
    func head() async throws -> Int64 {
        try await readers.read { connection in
            try connection.queryOne("SELECT max(seq) FROM change_log") { $0.isNull(0) ? 0 : $0.int64(0) } ?? 0
        }
    }

    func close() async {
        await service.shutdown()
        await server.shutdown()
        loop.stop()
        await readers.close()
        await writer.close()
        for suffix in ["", "-wal", "-shm"] { unlink(directory + "/app.sqlite" + suffix) }
        rmdir(directory)
    }
}
