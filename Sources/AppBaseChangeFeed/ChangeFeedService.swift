import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import Synchronization
import Logging

/// The change feed of one app: the change log (written in the same transaction as each record
/// change), live fan-out to SSE streams, resume by sequence, and pruning (run by the app's job queue).
///
/// Data flow: `record(_:in:)` appends the log row inside the writer's transaction; the writer's
/// `afterCommit` (run in commit order on the writer thread) puts the change in an ordered, bounded
/// inbox (`FanOutInbox`: past its capacity, drop and signal — the live streams on the collections
/// that lost changes are closed and resume from the log); the `SubscriptionHub` actor drains the inbox and fans each change out
/// to the streams' bounded queues; each stream's pump writes its queue to the socket.
public final class ChangeFeedService: AppService, ChangeRecorder {
    /// The `changefeed` namespace: `change_log(seq, collection, record_id, owner_id, action,
    /// created_at, size, old_image, new_image)`.
    public static let migrations = MigrationSet(namespace: "changefeed", migrations: ChangeLogSchema.migrations)

    private enum State {
        case initial
        case running(tasks: [Task<Void, Never>])
        case stopped
    }

    let environment: AppEnvironment
    let settings: ChangeFeedSettings
    let identities: any IdentityValidator
    let rules = RulesLookup()
    let hub: SubscriptionHub
    let pruner: ChangeLogPruner
    let inbox: FanOutInbox
    private let state = Mutex(State.initial)

    /// Creates the service; `identities` lets open streams end when their session, user or key
    /// is revoked.
    public init(environment: AppEnvironment, settings: ChangeFeedSettings, identities: any IdentityValidator) {
        self.environment = environment
        self.settings = settings
        self.identities = identities
        self.pruner = ChangeLogPruner(settings: settings)
        self.hub = SubscriptionHub(settings: settings, clock: environment.clock, rules: rules, identities: identities)
        self.inbox = FanOutInbox(capacity: settings.fanOutBacklog, byteCapacity: settings.fanOutBacklogBytes)
    }

    /// Gives the feed the collections' read rules. Call once, before `start()`.
    public func attach(rules source: any CollectionRulesSource) { rules.attach(source) }

    /// Adds `GET /db/collections/:collection/subscribe`.
    public func registerRoutes(on routes: inout RouteTable) { registerSubscribeRoute(on: &routes) }

    /// Reads the log's totals and starts fan-out, heartbeats and revalidation. Pruning is a job of
    /// the app's queue (`prune()` every `pruneIntervalSeconds`), not a timer of this service.
    public func start() async throws {
        let (totals, oldest) = try await environment.readers.read { connection in
            (try ChangeLog.totals(connection), try ChangeLog.oldestCreatedAt(connection))
        }
        pruner.load(count: totals.count, bytes: totals.bytes, oldest: oldest)
        var tasks: [Task<Void, Never>] = []
        let hub = self.hub, inbox = self.inbox
        tasks.append(Task { await hub.consume(inbox) })
        let identityChanges = identities.changes.listen()
        tasks.append(Task {
            for await _ in identityChanges { await hub.revalidateIdentities() }
        })
        if let source = rules.attached {
            let ruleChanges = source.ruleChanges.listen()
            tasks.append(Task {
                for await collection in ruleChanges { await hub.rulesChanged(collection) }
            })
        }
        // Expiry is checked every second; heartbeats go out
        // every `heartbeatSeconds`.
        tasks.append(Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await hub.tick()
            }
        })
        let accepted = state.withLock { state -> Bool in
            guard case .initial = state else { return false }
            state = .running(tasks: tasks)
            return true
        }
        if !accepted { tasks.forEach { $0.cancel() } }
    }

    /// Ends every stream and stops the background work.
    public func shutdown() async {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            defer { state = .stopped }
            if case .running(let tasks) = state { return tasks }
            return []
        }
        tasks.forEach { $0.cancel() }
        inbox.finish()
        await hub.shutdown()
    }

    /// Appends `change` to the log inside the caller's write transaction and returns its
    /// sequence; after the commit, live streams receive it.
    public func record(_ change: RecordChange, in context: WriteContext) throws -> Int64 {
        let size = ChangeLog.size(of: change), createdAt = environment.clock.nowMilliseconds()
        let seq = try ChangeLog.append(change, createdAt: createdAt, size: size, context.connection)
        let event = ChangeEvent(seq: seq, collection: change.collection, recordID: change.recordID, ownerID: change.ownerID,
                                action: change.action, oldImage: change.oldImage, newImage: change.newImage)
        let inbox = self.inbox, pruner = self.pruner
        context.afterCommit {
            inbox.offer(event, bytes: Int(clamping: size))
            pruner.added(bytes: size, createdAt: createdAt)
        }
        return seq
    }

    /// Deletes log entries beyond the count, age and byte bounds now; returns how many. The app's
    /// job queue runs it every `pruneIntervalSeconds`. Idempotent.
    @discardableResult
    public func prune() async throws -> Int {
        try await pruner.prune(writer: environment.writer, nowMilliseconds: environment.clock.nowMilliseconds())
    }

    /// How often the app's job queue runs `prune()`.
    public var pruneIntervalSeconds: Int64 { Int64(settings.pruneIntervalSeconds) }

    /// False when `prune()` at `nowMilliseconds` would certainly delete nothing (the log within
    /// its count and byte bounds and its oldest entry younger than the age bound), from the
    /// totals kept in memory: the job queue's probe, so an idle app's log is not looked at.
    public func pruneMayHaveWork(nowMilliseconds: Int64) -> Bool { pruner.mayHaveWork(nowMilliseconds: nowMilliseconds) }

    /// Open streams right now.
    public func openStreamCount() async -> Int { await hub.streamCount }
}
