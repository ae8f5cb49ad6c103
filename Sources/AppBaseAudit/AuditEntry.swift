import AppBaseCore
import OrderedCollections

/// One stored audit-log entry: who did what to what, when, from where; never secrets or record
/// contents. `hash` chains it to the entry before it (`AuditChain`).
public struct AuditEntry: Sendable, Hashable {
    public var seq: Int64
    /// Milliseconds since the epoch.
    public var time: Int64
    /// `dashboard_admin`, `api_key`, `user` or `system` (`AuditActor.kind`).
    public var actorKind: String
    public var userID: String?
    public var keyID: String?
    public var adminID: String?
    public var ip: String?
    public var action: String
    public var target: String?
    public var requestID: String?
    public var details: [String: String]
    /// Lowercase hex SHA-256 over the previous entry's hash and this entry's fields.
    public var hash: String

    /// The action of the entry pruning leaves behind.
    public static let checkpointAction = "audit.checkpoint"

    /// The entry `event` becomes at `seq` (its hash still to be computed).
    init(seq: Int64, event: AuditEvent) {
        self.seq = seq
        time = event.time
        actorKind = event.actor.kind
        userID = event.actor.userID
        keyID = event.actor.keyID
        adminID = event.actor.dashboardAdminID
        ip = event.actor.ip
        action = event.action
        target = event.target
        requestID = event.requestID
        details = event.details
        hash = ""
    }

    init(seq: Int64, time: Int64, actorKind: String, userID: String?, keyID: String?, adminID: String?, ip: String?,
         action: String, target: String?, requestID: String?, details: [String: String], hash: String) {
        self.seq = seq
        self.time = time
        self.actorKind = actorKind
        self.userID = userID
        self.keyID = keyID
        self.adminID = adminID
        self.ip = ip
        self.action = action
        self.target = target
        self.requestID = requestID
        self.details = details
        self.hash = hash
    }

    /// The id of the actor of `actorKind` (the admin, the key or the user), nil for `system`.
    public var actorID: String? {
        switch actorKind {
        case "dashboard_admin": adminID
        case "api_key": keyID
        case "user": userID
        default: nil
        }
    }

    /// The item `GET /admin/audit-log` returns.
    public var json: JSONValue {
        var actor: OrderedDictionary<String, JSONValue> = [
            "kind": .string(actorKind), "id": actorID.map(JSONValue.string) ?? .null, "ip": ip.map(JSONValue.string) ?? .null,
        ]
        // The user behind a key (a client key with a user token) is kept too.
        if actorKind != "user", let userID { actor["userId"] = .string(userID) }
        let sortedDetails = details.sorted { $0.key < $1.key }
        return .object([
            "seq": .int(seq), "time": .string(Timestamp.rfc3339(milliseconds: time)), "actor": .object(actor),
            "action": .string(action), "target": target.map(JSONValue.string) ?? .null,
            "requestId": requestID.map(JSONValue.string) ?? .null,
            "details": .object(OrderedDictionary(uniqueKeysWithValues: sortedDetails.map { ($0.key, JSONValue.string($0.value)) })),
            "hash": .string(hash),
        ])
    }

    /// `details` as stored: a JSON object with sorted keys.
    var detailsText: String {
        // Record writes have none (their target names the record): no JSON work on that path.
        if details.isEmpty { return "{}" }
        let sorted = details.sorted { $0.key < $1.key }
        let value = JSONValue.object(OrderedDictionary(uniqueKeysWithValues: sorted.map { ($0.key, JSONValue.string($0.value)) }))
        return String(decoding: value.serialized(), as: UTF8.self)
    }

    /// Parses stored `details`; nil when the text is not a JSON object of strings.
    static func details(from text: String) -> [String: String]? {
        guard let members = (try? JSONParser.parse(text))?.objectValue else { return nil }
        var details: [String: String] = [:]
        for (key, value) in members {
            guard let text = value.stringValue else { return nil }
            details[key] = text
        }
        return details
    }
}
