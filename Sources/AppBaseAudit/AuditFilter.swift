import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite

/// The filters of `GET /admin/audit-log` and its CSV export, parsed from the query string.
struct AuditFilter: Sendable {
    /// An actor kind (`dashboard_admin`, `api_key`, `user`, `system`) or an id of any of them.
    var actor: String?
    /// An exact action, or a prefix ending in `.` (`auth.` matches `auth.login` and `auth.login.failed`).
    var action: String?
    var target: String?
    /// Inclusive lower and exclusive upper bound on `time` (milliseconds).
    var since: Int64?
    var until: Int64?
    /// Only entries below this sequence (the cursor).
    var before: Int64?

    static let actorKinds: Set<String> = ["dashboard_admin", "api_key", "user", "system"]

    /// Reads `actor`, `action`, `target`, `since`, `until` and `cursor`.
    /// - Throws: 400 `validation_failed` for a bad time, 400 `bad_request` for a bad cursor.
    init(_ request: HTTPRequest) throws {
        actor = try Self.nonEmpty(request, "actor")
        action = try Self.nonEmpty(request, "action")
        target = try Self.nonEmpty(request, "target")
        since = try Self.time(request, "since")
        until = try Self.time(request, "until")
        if let cursor = request.queryValue("cursor") {
            guard let seq = AuditCursor.decode(cursor) else {
                throw AppBaseError.badRequest("cursor is not a cursor this route returned.")
            }
            before = seq
        }
    }

    private static func nonEmpty(_ request: HTTPRequest, _ name: String) throws -> String? {
        guard let value = request.queryValue(name) else { return nil }
        guard !value.isEmpty, value.utf8.count <= 512 else {
            throw AppBaseError.validation("\(name) must be between 1 and 512 bytes.", field: name)
        }
        return value
    }

    /// RFC 3339 in UTC: `2026-12-03T21:00:00.000Z`, milliseconds optional.
    private static func time(_ request: HTTPRequest, _ name: String) throws -> Int64? {
        guard let text = request.queryValue(name) else { return nil }
        let withMillis = text.utf8.count == 20 && text.hasSuffix("Z") ? String(text.dropLast()) + ".000Z" : text
        guard let milliseconds = Timestamp.parse(withMillis) else {
            throw AppBaseError.validation("\(name) must be an RFC 3339 UTC time like 2026-12-03T21:00:00Z.", field: name)
        }
        return milliseconds
    }

    /// The WHERE clause (empty when nothing filters) and its bindings.
    var sql: (clause: String, bindings: [SQLiteValue]) {
        var clauses: [String] = [], bindings: [SQLiteValue] = []
        if let actor {
            if Self.actorKinds.contains(actor) {
                clauses.append("actor_kind = ?")
                bindings.append(.text(actor))
            } else {
                clauses.append("(actor_admin_id = ? OR actor_key_id = ? OR actor_user_id = ?)")
                bindings.append(contentsOf: [.text(actor), .text(actor), .text(actor)])
            }
        }
        if let action {
            // Lets SQLite use the partial action index, which leaves out record writes.
            if AuditSchema.excludesRecordActions(action) { clauses.append(AuditSchema.otherActions) }
            if action.hasSuffix(".") {
                // A range on the index: every action that starts with the prefix ('/' follows '.').
                clauses.append("action >= ? AND action < ?")
                bindings.append(contentsOf: [.text(action), .text(String(action.dropLast()) + "/")])
            } else {
                clauses.append("action = ?")
                bindings.append(.text(action))
            }
        }
        if let target { clauses.append("target = ?"); bindings.append(.text(target)) }
        if let since { clauses.append("time >= ?"); bindings.append(.integer(since)) }
        if let until { clauses.append("time < ?"); bindings.append(.integer(until)) }
        if let before { clauses.append("seq < ?"); bindings.append(.integer(before)) }
        let clause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return (clause, bindings)
    }

    /// Up to `limit` matching entries, newest first.
    func entries(limit: Int, _ connection: SQLiteConnection) throws -> [AuditEntry] {
        let (clause, bindings) = sql
        return try connection.query("SELECT \(AuditStore.columns) FROM audit_log \(clause) ORDER BY seq DESC LIMIT ?",
                                    bindings + [.integer(Int64(limit))]) { AuditStore.entry($0) }.compactMap { $0 }
    }
}

/// The opaque cursor of audit-log pages: the last returned sequence, base64url-encoded.
enum AuditCursor {
    static func encode(_ seq: Int64) -> String { Base64URL.encode(Array("a\(seq)".utf8)) }

    static func decode(_ text: String) -> Int64? {
        guard let bytes = Base64URL.decode(text), bytes.first == UInt8(ascii: "a"),
              let seq = Int64(String(decoding: bytes.dropFirst(), as: UTF8.self)), seq > 0 else { return nil }
        return seq
    }
}
