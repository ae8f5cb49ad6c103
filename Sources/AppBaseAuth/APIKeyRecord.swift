import AppBaseCore

/// An API key as stored and listed: everything but the key itself, which is shown once, at creation.
public struct APIKeyRecord: Sendable, Hashable {
    /// A UUIDv7.
    public var id: String
    /// A label chosen at creation ("ios app", "dashboard").
    public var name: String
    /// The first characters of the key (`hs_live_AbCd`), to recognise it in listings.
    public var prefix: String
    /// `client` (ships in apps) or `admin` (server-to-server, dashboard, `/admin/*`).
    public var kind: Identity.KeyKind
    /// Unix milliseconds.
    public var createdAt: Int64
    /// Unix milliseconds of the last use written to the database (flushed periodically, so it may
    /// lag the real last use by up to `AuthSettings.lastUsedFlushSeconds`).
    public var lastUsedAt: Int64?
    /// Unix milliseconds; nil while the key is valid.
    public var revokedAt: Int64?

    /// A record from its fields (the platform's tests and dashboards build them; the store loads them).
    public init(id: String, name: String, prefix: String, kind: Identity.KeyKind, createdAt: Int64,
                lastUsedAt: Int64? = nil, revokedAt: Int64? = nil) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.kind = kind
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// True until revoked.
    public var isActive: Bool { revokedAt == nil }

    /// `{"id","name","prefix","kind","createdAt","lastUsedAt","revokedAt"}` with RFC 3339 times
    /// (null when absent). `kindLabel` replaces `kind` (the control plane's master keys, stored
    /// as admin keys, list as `master`).
    public func json(kindLabel: String? = nil) -> JSONValue {
        func time(_ millis: Int64?) -> JSONValue { millis.map { .string(Timestamp.rfc3339(milliseconds: $0)) } ?? .null }
        return [
            "id": .string(id), "name": .string(name), "prefix": .string(prefix), "kind": .string(kindLabel ?? kind.rawValue),
            "createdAt": time(createdAt), "lastUsedAt": time(lastUsedAt), "revokedAt": time(revokedAt),
        ]
    }
}

/// A key record with its digest, as loaded for the snapshot (internal: digests never leave the module).
struct StoredAPIKey: Sendable {
    var record: APIKeyRecord
    var digest: [UInt8]
}
