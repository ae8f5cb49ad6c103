import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite

/// `/admin/api-keys`: the app's API keys over HTTP, through the same `APIKeyAdmin` functions the CLI
/// (`appbase keys …`) uses. Admin key (or dashboard session) only.
///
/// The routes run inside the server, so a change is published to the snapshot in the write's
/// `afterCommit`, before the response is sent: the very next request sees it (no control-socket
/// round trip, no reload). Revoking the key the request itself carries is allowed; it fails from
/// the next request on.
extension AuthService {
    func registerKeyRoutes(on routes: inout RouteTable) {
        routes.add(.GET, "/admin/api-keys", auth: .apiKey, bodyLimit: 0) { [self] in try await listKeys($0, $1) }
        routes.add(.POST, "/admin/api-keys", auth: .apiKey, bodyLimit: AuthRequestBody.limit) { [self] in
            try await createKey($0, $1)
        }
        routes.add(.DELETE, "/admin/api-keys/:id", auth: .apiKey, bodyLimit: 0) { [self] in try await revokeKey($0, $1) }
    }

    /// `GET /admin/api-keys[?active=true]` → `{"items":[key]}`, newest first, revoked keys included
    /// unless `active=true`. `lastUsedAt` is the in-memory value (the database's lags by up to one flush).
    func listKeys(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let activeOnly: Bool
        switch request.queryValue("active") {
        case nil, "false": activeOnly = false
        case "true": activeOnly = true
        default: throw AppBaseError.validation("active must be true or false.", field: "active")
        }
        let records = try await environment.readers.read { try APIKeyAdmin.list(activeOnly: activeOnly, on: $0) }
        let usage = snapshots.value.keysByID
        let items = records.reversed().map { record -> JSONValue in
            var shown = record
            if let used = usage[record.id]?.usage.lastUsedMillis, used > (record.lastUsedAt ?? 0) { shown.lastUsedAt = used }
            return shown.json()
        }
        return .json(200, ["items": .array(items)])
    }

    /// `POST /admin/api-keys {"name","kind"}` → 201 `{"key":{…},"secret":"hs_live_…"}`; the secret is
    /// shown this once. 400 `validation_failed` for a bad name or kind.
    func createKey(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let body = try await AuthRequestBody.read(request)
        let name = try body.string("name")
        guard let kind = Identity.KeyKind(rawValue: try body.string("kind")) else {
            throw AppBaseError.validation("kind must be \"client\" or \"admin\".", field: "kind")
        }
        do {
            _ = try APIKeyAdmin.validName(name)
        } catch {
            throw AppBaseError.validation(error.description, field: "name")
        }
        let now = environment.clock.nowMilliseconds()
        let created = try await changeKeys { connection in try APIKeyAdmin.create(name: name, kind: kind, now: now, on: connection) }
        await audit(AuthAuditAction.keyCreated, request: request, context: context, target: created.record.id,
                    details: ["kind": kind.rawValue, "via": "api"])
        return .json(201, ["key": created.record.json(), "secret": .string(created.key)],
                     headers: HTTPHeaders("Cache-Control", "no-store"))
    }

    /// `DELETE /admin/api-keys/:id` → 200 `{"key":{… revokedAt}}`; 404 `not_found`. Revoking a
    /// revoked key changes nothing (and publishes no audit event).
    func revokeKey(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try context.requireAdmin()
        let id = try context.parameter("id")
        let now = environment.clock.nowMilliseconds()
        let record: APIKeyRecord
        do {
            record = try await changeKeys { connection in try APIKeyAdmin.revoke(.id(id), now: now, on: connection) }
        } catch is APIKeyAdminError {
            throw AppBaseError.notFound("No such API key.")
        }
        if record.revokedAt == now {
            await audit(AuthAuditAction.keyRevoked, request: request, context: context, target: record.id, details: ["via": "api"])
        }
        return .json(200, ["key": record.json()])
    }

    /// Runs a key change in one write and publishes the resulting key set to the snapshot after the
    /// commit (a set read in the same transaction, so it is exactly what was committed).
    private func changeKeys<T: Sendable>(_ change: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await environment.writer.write { [self] write in
            let result = try change(write.connection)
            let keys = try AuthStore.keySet(on: write.connection)
            write.afterCommit { [self] in publish { _ = $0.replaceKeys(keys.keys, generation: keys.generation) } }
            return result
        }
    }
}
