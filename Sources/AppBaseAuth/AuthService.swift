import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import Crypto
import Logging

/// One app's users, sessions, tokens and API keys (the "AuthActor" of the design).
///
/// Two halves:
/// - **On the loop, synchronous:** `authenticate(_:auth:)`, `clientIP(for:)` and `revalidate(_:nowSeconds:)`
///   read one immutable `AuthSnapshot` from a `SnapshotCell` — no database, no hop.
/// - **In handlers, async:** register, login, refresh, logout, me and the admin user routes write
///   through the app's single `DatabaseWriter`, hash passwords on `hashPool` (dedicated threads,
///   bounded queue) and publish audit events.
///
/// Every change that affects the per-request checks (session revoked, user disabled, keys reloaded)
/// is applied to the snapshot in the write's `afterCommit` — on the writer thread, right after the
/// commit and before the caller resumes — so the response that reports a change is never sent before
/// the next request sees it. `changes` then fires for live streams (`IdentityValidator`).
public final class AuthService: AppService, RequestAuthenticator, IdentityValidator {
    /// The auth schema (namespace `auth`): `auth_users`, `auth_sessions`, `auth_refresh_tokens`,
    /// `auth_api_keys`, `auth_meta`.
    public static let migrations = MigrationSet(namespace: AuthMigrations.namespace, migrations: AuthMigrations.all)

    let environment: AppEnvironment
    let settings: AuthSettings
    let hashPool: any BlockingWorkRunner
    /// The app's access-token key, derived from the master secret once (HMAC key schedule included).
    let jwtKey: HS256Key
    /// Tokens `jwtKey` already verified, so a client's next request skips the HMAC and the parse.
    let verifiedTokens = VerifiedTokenCache()
    /// Derives a rotated refresh token's successor pair (key from the master secret, made once).
    let refreshSuccessor: RefreshSuccessor
    let snapshots = SnapshotCell(AuthSnapshot())
    let profiles = UserProfileCache()
    let throttle: LoginThrottle
    let ipResolver: ClientIPResolver
    let state = AuthState()
    /// Dashboard admins' sessions, CSRF key and sign-in throttle (see `Dashboard/`).
    let dashboard: DashboardAuth

    /// What deletes a user's records and files (`DELETE /admin/users/:id?records=delete`), set by the
    /// platform with `attach(erasers:)` before the routes serve.
    let erasers = SnapshotCell(UserDataErasers())

    /// Fires after every change of keys, sessions or users that the snapshot reflects.
    public let changes = Broadcast<Void>()

    /// - Parameters:
    ///   - environment: the app's writer, readers, bus, clock, logger and master secret.
    ///   - settings: validated by `start()` (call `AuthSettings.validate()` earlier to report config errors).
    ///   - hashPool: dedicated threads for Argon2id (see `AuthSettings.makeHashPool`), or this app's lane of
    ///     the pool shared by all apps (`BlockingWorkPool.lane(_:)`), so another app's storm cannot delay it.
    public init(environment: AppEnvironment, settings: AuthSettings, hashPool: any BlockingWorkRunner) {
        self.environment = environment
        self.settings = settings
        self.hashPool = hashPool
        let master = SymmetricKey(data: environment.masterSecret)
        jwtKey = HS256Key(HMACKeyDerivation.jwtKey(master: master))
        refreshSuccessor = RefreshSuccessor(
            key: HMACKeyDerivation.derive(master: master, purpose: HMACKeyDerivation.refreshSuccessorPurpose))
        throttle = LoginThrottle(settings: settings, clock: environment.clock)
        dashboard = DashboardAuth(master: master, settings: settings, clock: environment.clock)
        ipResolver = ClientIPResolver(trustedProxies: settings.trustedProxies)
    }

    /// Gives the service the other services' erasers for deleting a user's data (the auth module
    /// cannot see them: the platform composes). Call before `start()`.
    public func attach(erasers: UserDataErasers) { self.erasers.publish(erasers) }

    // MARK: Lifecycle

    /// Validates the settings, makes the password hasher (one Argon2 run, on `hashPool`) and loads the
    /// snapshot. The periodic upkeep (`flushUsage()`, `pruneSessions()`) is run by the app's job
    /// queue every `upkeepIntervalSeconds`, not by a timer of this service.
    /// - Throws: `AuthSettingsError`, SQLite errors, `server_busy` if the hash pool is full; 503
    ///   `unavailable` if already started or stopped.
    public func start() async throws {
        try settings.validate()
        let parameters = try settings.argon2Parameters()
        try await state.beginStarting()
        do {
            let hasher = try await hashPool.run { () throws -> PasswordHasher in try PasswordHasher(parameters: parameters) }
            try await loadSnapshot()
            try await loadDashboard()
            try await state.finishStarting(hasher: hasher)
        } catch {
            await state.failStarting()
            throw error
        }
    }

    /// Writes pending `lastUsedAt` values. Call before the database closes.
    public func shutdown() async {
        guard await state.beginStopping() else { return }
        await flushKeyUsage()
        await state.finishStopping()
    }

    /// Re-reads the API keys from the database and publishes them. The platform calls it when the CLI
    /// reports a key change, before answering the CLI, so the very next request sees the change.
    /// A reload that read an older key set than the published one (two reloads racing) changes nothing.
    /// The change's audit entry is not written here: the CLI committed it with the change, on its own
    /// connection, so it exists whether or not a server was running (`OperatorAudit`, AppBasePlatform).
    /// - Throws: SQLite errors; `server_busy` when the readers are saturated.
    public func reloadKeys() async throws {
        let loaded = try await environment.readers.read { try AuthStore.loadKeys(on: $0) }
        guard snapshots.update({ $0.replaceKeys(loaded.keys, generation: loaded.generation) }) else { return }
        changes.send(())
    }

    // MARK: Snapshot

    /// Sessions revoked earlier than this many milliseconds ago have no unexpired access token left
    /// (one lifetime plus a minute for clock steps).
    var revocationMemoryMillis: Int64 { (settings.accessTokenTTLSeconds + 60) * 1000 }

    private func loadSnapshot() async throws {
        let since = environment.clock.nowMilliseconds() - revocationMemoryMillis
        let keys = try await environment.readers.read { try AuthStore.loadKeys(on: $0) }
        let (revoked, disabled, live) = try await environment.readers.read { connection in
            (try AuthStore.sessionsRevoked(since: since, on: connection), try AuthStore.disabledUserIDs(on: connection),
             try AuthStore.liveSessions(expiringAfter: since, on: connection))
        }
        snapshots.update { snapshot in
            _ = snapshot.replaceKeys(keys.keys, generation: keys.generation)
            for session in revoked { snapshot.revokeSessions([session.id], at: session.revokedAt) }
            snapshot.replaceDisabledUsers(disabled)
            snapshot.addSessions(live)
            snapshot.pruneExpiredSessions([], through: since)
        }
        changes.send(())
    }

    /// Applies `change` to the snapshot and signals listeners. Called from `afterCommit` actions.
    func publish(_ change: (inout AuthSnapshot) -> Void) {
        snapshots.update(change)
        changes.send(())
    }

    // MARK: Upkeep

    /// How often the app's job queue runs `flushUsage()` (`last_used_flush`).
    public var upkeepIntervalSeconds: Int64 { Int64(settings.lastUsedFlushSeconds) }

    /// How often the app's job queue runs `pruneSessions()`: hourly. It only collects garbage
    /// (expired tokens are refused by their expiry, revoked sessions by the snapshot), and it
    /// touches the database, so an idle app is not woken for it every minute.
    public static let sessionPruneIntervalSeconds: Int64 = 3_600

    /// Periodic upkeep, part one (a job of the app's queue): writes the API keys' `lastUsedAt`
    /// and forgets stale login throttles.
    public func flushUsage() async throws {
        await flushKeyUsage()
        throttle.prune()
    }

    /// False when `flushUsage()` would do nothing: no key used since the last flush and no login
    /// throttle to forget. From memory only: the job queue's probe.
    public func flushMayHaveWork() -> Bool {
        throttle.trackedKeys > 0 || snapshots.value.keysByID.values.contains { $0.usage.unflushed != nil }
    }

    /// Periodic upkeep, part two (a job of the app's queue): forgets revoked and expired sessions
    /// no access token can still name, deletes refresh tokens past their expiry or of sessions
    /// revoked that long ago, and reloads the keys if their generation moved without the control
    /// socket's notification (a safety net: `appbase keys` waits for a running server's reload).
    /// Idempotent.
    /// - Throws: SQLite errors (the job is retried).
    public func pruneSessions() async throws {
        let generation = try await environment.readers.read { try AuthStore.meta("keys_generation", on: $0) }
        if generation != snapshots.value.keysGeneration { try await reloadKeys() }
        let now = environment.clock.nowMilliseconds()
        let cutoff = now - revocationMemoryMillis
        await pruneDashboard(now: now)
        _ = snapshots.update { $0.pruneRevokedSessions(before: cutoff) }
        let prunedThrough = snapshots.value.sessionsPrunedThrough
        if cutoff > prunedThrough {
            let expired = try await environment.readers.read {
                try AuthStore.sessionsExpired(after: prunedThrough, through: cutoff, on: $0)
            }
            snapshots.update { $0.pruneExpiredSessions(expired, through: cutoff) }
        }
        _ = try await environment.writer.write { context in
            try AuthStore.deleteStaleRefreshTokens(now: now, revokedBefore: cutoff, on: context.connection)
        }
    }

    /// Both halves of the upkeep in one go, errors logged (tests; the job queue runs them as two jobs).
    func runUpkeep() async {
        do {
            try await pruneSessions()
            try await flushUsage()
        } catch {
            environment.logger.warning("auth upkeep failed: \(error)")
        }
    }

    /// Writes the in-memory `lastUsedAt` of every key used since the last flush, in one transaction.
    func flushKeyUsage() async {
        let pending = snapshots.value.keysByID.values.compactMap { entry in
            entry.usage.unflushed.map { (id: entry.id, at: $0, usage: entry.usage) }
        }
        guard !pending.isEmpty else { return }
        let updates = pending.map { (id: $0.id, at: $0.at) }
        do {
            try await environment.writer.write { context in
                for update in updates { try AuthStore.recordKeyUse(id: update.id, at: update.at, on: context.connection) }
            }
            for item in pending { item.usage.markFlushed(item.at) }
        } catch {
            environment.logger.warning("auth: flushing API key lastUsedAt failed: \(error)")
        }
    }
}

extension AuthService: UserStatusSource {
    /// From the snapshot: no database access.
    public func isUserDisabled(_ userID: String) -> Bool {
        snapshots.value.disabledUsers.contains(userID)
    }
}
