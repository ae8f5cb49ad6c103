import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite

/// The database API of one app: JSON records in collections, with rules, filters, keyset
/// pagination, declared indexes and atomic batches.
///
/// Concurrency: the service holds no mutable state of its own. Writes go through the app's
/// single `DatabaseWriter` (one transaction per request or batch, its change-log entry included);
/// reads run on reader threads; the catalog is an immutable snapshot replaced after each committed
/// catalog change, so handlers check rules without a hop.
public final class CollectionService: AppService, CollectionRulesSource {
    /// The `collections` namespace: `collections(name, rules, indexes, created_at)` and
    /// `records(collection, id, owner_id, created_at, updated_at, version, data)`.
    public static let migrations = MigrationSet(namespace: "collections", migrations: CollectionSchema.migrations)

    let environment: AppEnvironment
    let settings: CollectionSettings
    let recorder: any ChangeRecorder
    let registry: CollectionRegistry

    /// Creates the service; `recorder` appends every record change to the change log inside the
    /// write's transaction.
    public init(environment: AppEnvironment, settings: CollectionSettings, recorder: any ChangeRecorder) {
        self.environment = environment
        self.settings = settings
        self.recorder = recorder
        self.registry = CollectionRegistry(implicitCollections: settings.implicitCollections)
    }

    /// Loads the collection definitions into the snapshot handlers read.
    ///
    /// Rebuilds the managed indexes first when they differ from what the catalog needs, e.g.
    /// indexes declared under an earlier index shape (ADR 0014); this runs before the port opens.
    public func start() async throws {
        var (catalog, inSync) = try await environment.readers.read { connection in
            let catalog = try CollectionCatalog.load(connection)
            return (catalog, try CatalogStore.indexesInSync(with: catalog, connection))
        }
        if !inSync {
            catalog = try await environment.writer.write { write in
                let current = try CollectionCatalog.load(write.connection)
                try CatalogStore.syncIndexes(with: current, write.connection)
                return current
            }
        }
        registry.snapshot.publish(catalog)
    }

    /// Adds `/db/collections/…`, `/db/batch` and `/admin/collections/…`.
    public func registerRoutes(on routes: inout RouteTable) {
        registerRecordRoutes(on: &routes)
        registerListRoute(on: &routes)
        registerBatchRoute(on: &routes)
        registerAdminRoutes(on: &routes)
    }

    // MARK: CollectionRulesSource

    /// The collection's rules, or nil when it does not exist.
    public func rules(for collection: String) -> AccessRules? { registry.definition(collection)?.rules }

    /// Signals collections whose read rule changed or that were deleted.
    public var ruleChanges: Broadcast<String> { registry.ruleChanges }

    public var implicitCollections: Bool { settings.implicitCollections }

    // MARK: Shared by the route families

    /// Runs `body` in one writer transaction on behalf of the request's caller.
    func transaction<T: Sendable>(_ context: RequestContext,
                                  _ body: @escaping @Sendable (RecordTransaction) throws -> T) async throws -> T {
        let registry = self.registry, recorder = self.recorder, clock = environment.clock
        let identity = context.identity, requestID = context.requestID, maxRecordBytes = settings.maxRecordBytes
        let audit = recordAudit(context)
        return try await environment.writer.write { write in
            try body(RecordTransaction(context: write, registry: registry, recorder: recorder, identity: identity,
                                       requestID: requestID, now: clock.nowMilliseconds(),
                                       maxRecordBytes: maxRecordBytes, audit: audit))
        }
    }

    /// Where the audit entries of the caller's record writes go.
    func recordAudit(_ context: RequestContext) -> RecordAudit {
        recordAudit(actor: context.auditActor(userAgent: nil))
    }

    /// Where the audit entries of record writes made for `actor` go.
    func recordAudit(actor: AuditActor) -> RecordAudit {
        let recorder = environment.auditRecorder
        return RecordAudit(recorder: recorder.separateCommits ? NoAuditRecorder() : recorder, app: environment.app, actor: actor)
    }

    /// Publishes the audit event of a record write on the bus (never its contents); its entry in
    /// the audit log was appended in the write's own transaction (in the measurement mode
    /// `separate_commit`: here, in a write of its own).
    func audit(_ outcome: WriteOutcome, _ request: HTTPRequest, _ context: RequestContext) async {
        await audit(outcome, actor: context.auditActor(userAgent: nil), requestID: context.requestID)
    }

    /// Publishes the audit event of a record write made for `actor` (a request, or a user's
    /// deletion); its entry was appended in the write's own transaction through `recordAudit`
    /// (in the measurement mode `separate_commit`: here, in a write of its own).
    func audit(_ outcome: WriteOutcome, actor: AuditActor, requestID: String?) async {
        let event = recordAudit(actor: actor).event(outcome, requestID: requestID ?? "", time: environment.clock.nowMilliseconds())
        guard environment.auditRecorder.separateCommits else { return await environment.bus.publish(.audit(event)) }
        await environment.audit(event.action, actor: event.actor, target: event.target, requestID: event.requestID,
                                details: event.details)
    }

    /// Reads a bounded JSON body and hands the value to `transform` (validation, re-encoding);
    /// large bodies are parsed and transformed off the loop thread.
    /// - Throws: 413 beyond `limit`; 400 `invalid_json` with the offset; what `transform` throws.
    func readBody<T: Sendable>(_ request: HTTPRequest, limit: Int, maxDepth: Int,
                               _ transform: @escaping @Sendable (JSONValue) throws -> T) async throws -> T {
        let bytes = try await request.body.collect(upTo: limit)
        if bytes.count < Self.inlineParseBytes { return try transform(RecordValidator.parse(bytes, maxDepth: maxDepth)) }
        return try await withTaskExecutorPreference(globalConcurrentExecutor) {
            try transform(RecordValidator.parse(bytes, maxDepth: maxDepth))
        }
    }

    /// Bodies below this size are parsed where the handler runs (microseconds); larger ones move
    /// to the global executor so the loop thread keeps serving other connections.
    static let inlineParseBytes = 16 * 1024
}
