import AppBaseCore
import Crypto

/// Everything the per-request checks need, as one immutable value read on the loop thread without a
/// hop: the API keys (by digest and by id), the sessions revoked recently enough that some of their
/// access tokens may still be unexpired, and the disabled users.
///
/// Invariant: a published snapshot is never changed; `AuthService` makes a changed copy under the
/// `SnapshotCell`'s lock (right after the commit that caused it) and readers keep what they read.
/// The JWT key never changes for a service's life, so it lives on the service, not here.
struct AuthSnapshot: Sendable {
    /// `auth_meta.keys_generation` of the key set below; a reload never replaces a newer set.
    private(set) var keysGeneration: Int64 = -1
    /// Keys bucketed by the first 8 bytes of their SHA-256 digest (a lookup that reveals nothing
    /// useful by its timing); the full digest is then compared in constant time.
    private var keysByDigestPrefix: [UInt64: [APIKeyEntry]] = [:]
    private(set) var keysByID: [String: APIKeyEntry] = [:]
    /// Session id → revocation time (ms). Entries older than one access-token lifetime are pruned:
    /// every token of such a session has expired by then.
    private(set) var revokedSessions: [String: Int64] = [:]
    private(set) var disabledUsers: Set<String> = []
    /// Session id → user id of every session that may still carry unexpired access tokens: not revoked
    /// and expired less than `AuthService.revocationMemoryMillis` ago. A token is accepted only when
    /// its `sid` is here under its `sub` — defence in depth should the signing key ever leak.
    private(set) var sessionOwners: [String: String] = [:]
    /// Sessions that expired up to this time (ms) have been pruned from `sessionOwners`.
    private(set) var sessionsPrunedThrough: Int64 = 0

    /// The longest API key worth hashing; anything longer is not a key (ours have 51 characters).
    static let maximumKeyLength = 256

    init() {}

    /// The key whose digest matches `presented`, revoked or not; nil when none does.
    func key(matching presented: String) -> APIKeyEntry? {
        let utf8 = presented.utf8
        guard !utf8.isEmpty, utf8.count <= Self.maximumKeyLength else { return nil }
        let digest: SHA256Digest = utf8.withContiguousStorageIfAvailable { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
            ?? SHA256.hash(data: Array(utf8))
        return digest.withUnsafeBytes { raw -> APIKeyEntry? in
            guard let candidates = keysByDigestPrefix[raw.loadUnaligned(as: UInt64.self)] else { return nil }
            let presentedDigest = raw.assumingMemoryBound(to: UInt8.self)
            for entry in candidates where entry.digest.withUnsafeBufferPointer({ ConstantTime.equals($0, presentedDigest) }) {
                return entry
            }
            return nil
        }
    }

    /// Replaces the key set when `generation` is not older than the current one; entries keep the
    /// in-memory usage trackers of the keys they replace (same id), so no `lastUsedAt` is lost.
    /// Returns whether anything was replaced.
    mutating func replaceKeys(_ records: [StoredAPIKey], generation: Int64) -> Bool {
        guard generation >= keysGeneration else { return false }
        var byPrefix: [UInt64: [APIKeyEntry]] = [:]
        var byID: [String: APIKeyEntry] = [:]
        for stored in records where stored.digest.count == 32 {
            let usage = keysByID[stored.record.id]?.usage ?? KeyUsage(lastUsedMillis: stored.record.lastUsedAt ?? 0)
            let entry = APIKeyEntry(id: stored.record.id, kind: stored.record.kind, digest: stored.digest,
                                    revoked: stored.record.revokedAt != nil, usage: usage)
            byPrefix[Self.prefix(of: stored.digest), default: []].append(entry)
            byID[entry.id] = entry
        }
        keysByDigestPrefix = byPrefix
        keysByID = byID
        keysGeneration = generation
        return true
    }

    /// Marks sessions revoked at `millis` (their owners are forgotten: the revocation check refuses them first).
    mutating func revokeSessions(_ ids: [String], at millis: Int64) {
        for id in ids where revokedSessions[id] == nil { revokedSessions[id] = millis }
        for id in ids { sessionOwners[id] = nil }
    }

    /// Records live sessions and their users (login, registration, start-up load).
    mutating func addSessions(_ sessions: [(id: String, userID: String)]) {
        for session in sessions where revokedSessions[session.id] == nil { sessionOwners[session.id] = session.userID }
    }

    /// Forgets sessions that expired up to `millis`: `ids` are those whose expiry lies after the
    /// previous prune and at or before `millis`.
    mutating func pruneExpiredSessions(_ ids: [String], through millis: Int64) {
        for id in ids { sessionOwners[id] = nil }
        sessionsPrunedThrough = max(sessionsPrunedThrough, millis)
    }

    /// True when session `sessionID` is live and belongs to user `userID`.
    func session(_ sessionID: String, belongsTo userID: String) -> Bool {
        sessionOwners[sessionID] == userID
    }

    /// Marks a user disabled or enabled.
    mutating func setUser(_ id: String, disabled: Bool) {
        if disabled { disabledUsers.insert(id) } else { disabledUsers.remove(id) }
    }

    /// Replaces the disabled-user set (start-up load).
    mutating func replaceDisabledUsers(_ ids: [String]) { disabledUsers = Set(ids) }

    /// Drops revoked sessions revoked before `cutoff` (ms); returns whether any were dropped.
    mutating func pruneRevokedSessions(before cutoff: Int64) -> Bool {
        let before = revokedSessions.count
        revokedSessions = revokedSessions.filter { $0.value >= cutoff }
        return revokedSessions.count != before
    }

    private static func prefix(of digest: [UInt8]) -> UInt64 {
        digest.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
}

/// One API key as the per-request check sees it.
struct APIKeyEntry: Sendable {
    let id: String
    let kind: Identity.KeyKind
    /// SHA-256 of the key (32 bytes).
    let digest: [UInt8]
    let revoked: Bool
    /// Shared by every snapshot that holds this key.
    let usage: KeyUsage
}
