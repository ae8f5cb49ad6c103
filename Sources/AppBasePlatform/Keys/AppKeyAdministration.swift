import AppBaseAuth
import AppBaseCore

/// An app's API keys as the operator manages them (`appbase keys …`): opens (and migrates) the
/// app's database, changes its keys, and tells a running server so the change applies on the
/// next request. The CLI reaches keys only through here, so it needs no service module.
///
/// The work itself is `APIKeyAdmin`'s (AppBaseAuth), the same functions `/admin/api-keys` runs
/// inside the server: a key made here is listed there and the other way round.
public enum AppKeyAdministration {
    /// What an operator sees of a key: never its secret.
    public struct Summary: Sendable, Hashable {
        public let id: String
        public let prefix: String
        /// `client` or `admin`; `master` for the control plane's keys.
        public let kind: String
        public let name: String
        /// When it was revoked (unix seconds), nil while active.
        public let revokedAt: Int64?
        /// The JSON object `keys list --json` prints.
        public let json: JSONValue

        init(_ record: APIKeyRecord, kindLabel: String? = nil) {
            id = record.id
            prefix = record.prefix
            kind = kindLabel ?? record.kind.rawValue
            name = record.name
            revokedAt = record.revokedAt
            json = record.json(kindLabel: kindLabel)
        }

        /// A control-plane master key's summary (`kind` `master`).
        static func master(_ record: APIKeyRecord) -> Summary { Summary(record, kindLabel: "master") }
    }

    /// Creates a key; returns its secret (shown once) and its summary. With `audited` (the app's
    /// audit mode is not `off`), its `key.create` entry commits with it. With `notify` (the CLI),
    /// a running server is told before this returns; a caller that cannot block its thread on the
    /// control socket passes false and sends `reload-keys` itself.
    /// - Throws: `APIKeyAdminError` for a bad name; SQLite errors; a server that refused to reload.
    public static func create(dataDirectory: String, app: String, name: String, admin: Bool, audited: Bool = true,
                              notify: Bool = true,
                              clock: any WallClock = SystemWallClock()) async throws -> (key: String, summary: Summary) {
        let path = try await AppDataLocation.prepareDatabase(dataDirectory: dataDirectory, app: app)
        let audit = OperatorAudit(enabled: audited, app: app, clock: clock)
        let (key, record) = try APIKeyAdmin.create(databasePath: path, name: name, kind: admin ? .admin : .client,
                                                   clock: clock) { record, connection in
            try audit.append(AuthAuditAction.keyCreated, target: record.id, details: ["kind": record.kind.rawValue], on: connection)
        }
        if notify { try notifyServer(dataDirectory: dataDirectory, app: app) }
        return (key, Summary(record))
    }

    /// Every key of the app, oldest first.
    public static func list(dataDirectory: String, app: String) async throws -> [Summary] {
        let path = try await AppDataLocation.prepareDatabase(dataDirectory: dataDirectory, app: app)
        return try APIKeyAdmin.list(databasePath: path).map { Summary($0) }
    }

    /// Revokes a key by id or display prefix.
    /// - Throws: `APIKeyAdminError` when no key or several match.
    /// With `audited`, a `key.revoke` entry commits with the revocation (none when the key was
    /// revoked already: nothing changed); `notify` as for `create`.
    public static func revoke(dataDirectory: String, app: String, idOrPrefix: String, audited: Bool = true,
                              notify: Bool = true, clock: any WallClock = SystemWallClock()) async throws -> Summary {
        let path = try await AppDataLocation.prepareDatabase(dataDirectory: dataDirectory, app: app)
        let audit = OperatorAudit(enabled: audited, app: app, clock: clock)
        let record = try APIKeyAdmin.revoke(databasePath: path, idOrPrefix: idOrPrefix, clock: clock) { record, revokedNow, connection in
            if revokedNow { try audit.append(AuthAuditAction.keyRevoked, target: record.id, on: connection) }
        }
        if notify { try notifyServer(dataDirectory: dataDirectory, app: app) }
        return Summary(record)
    }

    /// Tells a running server to reload the app's keys and waits for it; silent when none runs.
    /// - Throws: `ServerReloadError` when the server answered something else than `ok`.
    static func notifyServer(dataDirectory: String, app: String) throws {
        let socket = ControlClient.socketPath(dataDirectory: dataDirectory)
        guard let reply = try ControlClient.send("reload-keys \(app)", socketPath: socket) else { return }
        guard reply == "ok" else { throw ServerReloadError(reply: reply) }
    }
}

/// A running server did not confirm a key reload.
public struct ServerReloadError: Error, CustomStringConvertible {
    public let reply: String
    public var description: String { "the running server did not reload keys: \(reply)" }
}
