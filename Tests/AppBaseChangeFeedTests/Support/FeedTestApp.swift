import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import AppBaseTestSupport
import Logging
import AppBaseChangeFeed

/// The change feed of one app over a fresh temporary database, behind a real HTTP server on an
/// ephemeral port. Changes are written the way the collections service writes them: through
/// the writer, with `record(_:in:)` inside the transaction.
final class FeedTestApp: TestFixture {
    let database: TestDatabase
    let clock: ManualWallClock
    let rules: StubRules
    let identities: StubIdentities
    let service: ChangeFeedService
    let host: TestHTTPHost

    var writer: DatabaseWriter { database.writer }
    var readers: DatabaseReaders { database.readers }
    var port: Int { host.port }

    /// Runs `body` with a fresh app and tears it down afterwards.
    static func with(_ configure: (inout ChangeFeedSettings) -> Void = { _ in },
                     _ body: (FeedTestApp) async throws -> Void) async throws {
        try await make(configure).use(body)
    }

    static func make(_ configure: (inout ChangeFeedSettings) -> Void) async throws -> FeedTestApp {
        var settings = ChangeFeedSettings()
        configure(&settings)
        let directory = try TemporaryDirectory.make(prefix: "appbase-feed")
        let database = try await TestDatabase.open(in: directory, migrations: [ChangeFeedService.migrations])
        let clock = ManualWallClock()
        let environment = database.environment(app: "test", storageDirectory: directory, clock: clock,
                                               logger: Logger(label: "test"), masterSecret: [UInt8](repeating: 1, count: 32))
        let rules = StubRules()
        rules.set(AccessRules(), for: "notes")
        let identities = StubIdentities()
        let service = ChangeFeedService(environment: environment, settings: settings, identities: identities)
        service.attach(rules: rules)
        try await service.start()
        let router = Router.serving(service, app: "test", authenticator: TestAuthenticator(), logger: Logger(label: "test"))
        var limits = HTTPLimits()
        limits.shutdownGraceMillis = 500
        let host = try await TestHTTPHost.start(serving: router, limits: limits)
        return FeedTestApp(database: database, clock: clock, rules: rules, identities: identities, service: service,
                           host: host)
    }

    private init(database: TestDatabase, clock: ManualWallClock, rules: StubRules, identities: StubIdentities,
                 service: ChangeFeedService, host: TestHTTPHost) {
        self.database = database
        self.clock = clock
        self.rules = rules
        self.identities = identities
        self.service = service
        self.host = host
    }

    /// Opens `GET /db/collections/<collection>/subscribe<query>` as `caller`.
    func subscribe(_ collection: String = "notes", query: String = "", as caller: TestCaller = .alice,
                   headers: [(String, String)] = [], receiveBuffer: Int? = nil) async throws -> ServerSentEventReader {
        try await ServerSentEventReader.open(port: port, path: "/db/collections/\(collection)/subscribe\(query)",
                                             headers: [("X-Test-Caller", caller.rawValue)] + headers,
                                             receiveBufferSize: receiveBuffer)
    }

    /// Subscribes and reads up to (and including) `ready`, returning the stream and what came before.
    func subscribeReady(_ collection: String = "notes", query: String = "", as caller: TestCaller = .alice,
                        headers: [(String, String)] = []) async throws -> (ServerSentEventReader, [ParsedServerSentEvent]) {
        let client = try await subscribe(collection, query: query, as: caller, headers: headers)
        guard client.status == 200 else { throw TestFailure("subscribe answered \(client.status)") }
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

    /// Shuts the service down, then the server and loop; closes the database and removes the directory.
    func close() async {
        await service.shutdown()
        await host.shutdown()
        await database.close()
        TemporaryDirectory.remove(database.directory)
    }
}
