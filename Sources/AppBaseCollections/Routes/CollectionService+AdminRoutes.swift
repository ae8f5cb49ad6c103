import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite
import OrderedCollections

/// `/admin/collections` (admin keys only): list, create, read, change rules and indexes, delete.
extension CollectionService {
    /// Admin bodies are small declarations.
    static let adminBodyLimit = 64 * 1024

    func registerAdminRoutes(on routes: inout RouteTable) {
        routes.add(.GET, "/admin/collections", auth: .apiKey) { [self] _, context in
            try context.requireAdmin()
            return try await listCollections()
        }
        routes.add(.POST, "/admin/collections", auth: .apiKey, bodyLimit: Self.adminBodyLimit) { [self] request, context in
            try context.requireAdmin()
            return try await createCollection(request, context)
        }
        routes.add(.GET, "/admin/collections/:collection", auth: .apiKey) { [self] _, context in
            try context.requireAdmin()
            return try await getCollection(ResourceName.validatedCollection(context.parameter("collection")))
        }
        routes.add(.PATCH, "/admin/collections/:collection", auth: .apiKey, bodyLimit: Self.adminBodyLimit) { [self] request, context in
            try context.requireAdmin()
            return try await updateCollection(request, context)
        }
        routes.add(.DELETE, "/admin/collections/:collection", auth: .apiKey) { [self] request, context in
            try context.requireAdmin()
            return try await deleteCollection(request, context)
        }
    }

    /// 200 `{items:[{name, rules, indexes, createdAt, count}]}`.
    private func listCollections() async throws -> HTTPResponse {
        let counts = try await environment.readers.read { connection in try CatalogStore.counts(connection) }
        let items = registry.snapshot.value.sorted.map { $0.json(count: counts[$0.name] ?? 0) }
        return .json(200, .object(["items": .array(items)]))
    }

    private func getCollection(_ name: String) async throws -> HTTPResponse {
        guard let definition = registry.definition(name) else { throw AppBaseError.notFound("Collection \(name) does not exist.") }
        let count = try await environment.readers.read { connection in
            try connection.queryOne("SELECT count(*) FROM records WHERE collection = ?", [.text(name)]) { $0.int64(0) } ?? 0
        }
        return .json(200, definition.json(count: count))
    }

    /// `{"name", "rules"?, "indexes"?}` → 201; 409 when it exists.
    private func createCollection(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let body = try await readBody(request, limit: Self.adminBodyLimit, maxDepth: 8) { $0 }
        let fields = try adminFields(body, allowingName: true)
        guard let nameValue = fields["name"], let text = nameValue.stringValue else {
            throw AppBaseError.validation("\"name\" is required.", field: "name")
        }
        let name = try ResourceName.validatedCollection(text)
        let createdAt = Timestamp.rfc3339(milliseconds: environment.clock.nowMilliseconds())
        let limits = (indexes: settings.maxIndexesPerCollection, fields: settings.maxFieldsPerIndex)
        let definition = try await changeCatalog { connection in
            var definition = CollectionDefinition(name: name, rules: .defaults, indexes: [], createdAt: createdAt)
            try Self.apply(fields, to: &definition, limits: limits)
            guard try CatalogStore.insertIfAbsent(definition, connection) else {
                throw AppBaseError(status: 409, code: .conflict, message: "Collection \(name) already exists.")
            }
            // Streams opened before it existed assumed the default rules.
            return (definition, definition.rules.read != AccessRules.defaults.read ? [name] : [])
        }
        await adminAudit("collection.create", name, request, context)
        return .json(201, definition.json(count: 0))
    }

    /// `{"rules"?: {…only the operations to change}, "indexes"?: [… the full new list]}` → 200.
    private func updateCollection(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let name = try ResourceName.validatedCollection(context.parameter("collection"))
        let body = try await readBody(request, limit: Self.adminBodyLimit, maxDepth: 8) { $0 }
        let fields = try adminFields(body, allowingName: false)
        let limits = (indexes: settings.maxIndexesPerCollection, fields: settings.maxFieldsPerIndex)
        let definition = try await changeCatalog { connection in
            guard var definition = try CatalogStore.load(name, connection) else {
                throw AppBaseError.notFound("Collection \(name) does not exist.")
            }
            let previousRead = definition.rules.read
            try Self.apply(fields, to: &definition, limits: limits)
            try CatalogStore.update(definition, connection)
            return (definition, definition.rules.read != previousRead ? [name] : [])
        }
        await adminAudit("collection.update", name, request, context)
        let count = try await environment.readers.read { connection in
            try connection.queryOne("SELECT count(*) FROM records WHERE collection = ?", [.text(name)]) { $0.int64(0) } ?? 0
        }
        return .json(200, definition.json(count: count))
    }

    /// Deletes the collection and all its records → 204. No per-record events: one `drop` marker
    /// in the change log (same transaction) makes live and resuming subscribers get `reset`;
    /// open streams on it also end with `auth_revoked`.
    private func deleteCollection(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let name = try ResourceName.validatedCollection(context.parameter("collection"))
        let requestID = context.requestID
        try await changeCatalog(recordingDropOf: name, requestID: requestID) { connection in
            guard try CatalogStore.delete(name, connection) else {
                throw AppBaseError.notFound("Collection \(name) does not exist.")
            }
            return ((), [name])
        }
        await adminAudit("collection.delete", name, request, context)
        return .noContent()
    }

    /// Runs a catalog change in one writer transaction, re-reads the catalog there, brings the
    /// managed indexes in line with it and publishes it after the commit.
    private func changeCatalog<T: Sendable>(
        recordingDropOf dropped: String? = nil, requestID: String? = nil,
        _ body: @escaping @Sendable (SQLiteConnection) throws -> (T, readRuleChanged: [String])
    ) async throws -> T {
        let registry = self.registry
        let recorder = self.recorder
        return try await environment.writer.write { write in
            // The marker keeps the dropped collection's read rule: a resume replays its last entries under it.
            let droppedReadRule = try dropped.flatMap { try CatalogStore.load($0, write.connection)?.rules.read }
            let (result, changed) = try body(write.connection)
            if let dropped {
                _ = try recorder.record(.drop(of: dropped, readRule: droppedReadRule, requestID: requestID), in: write)
            }
            // Who may read changed: a resume must not replay older entries under the new rule. A
            // dropped collection's own marker already resets its resumes (`collection_deleted`).
            for name in changed where name != dropped {
                _ = try recorder.record(RecordChange(collection: name, recordID: "", ownerID: nil, action: .rulesChanged,
                                                     oldImage: nil, newImage: nil, requestID: requestID), in: write)
            }
            let catalog = try CollectionCatalog.load(write.connection)
            do {
                try CatalogStore.syncIndexes(with: catalog, write.connection)
            } catch let error as SQLiteError where error.isConstraintViolation {
                throw AppBaseError(status: 409, code: .conflict,
                                   message: "Existing records have duplicate values for the unique index.",
                                   cause: error.description)
            }
            write.afterCommit { registry.publish(catalog, readRuleChanged: changed) }
            return result
        }
    }

    /// The body's members, refusing unknown ones.
    private func adminFields(_ body: JSONValue, allowingName: Bool) throws(AppBaseError) -> [String: JSONValue] {
        guard let members = body.objectValue else { throw .validation("The body is a JSON object.", field: "body") }
        var fields: [String: JSONValue] = [:]
        for (key, value) in members {
            guard key == "rules" || key == "indexes" || (allowingName && key == "name") else {
                throw .validation("Unknown property \"\(key)\".", field: key)
            }
            fields[key] = value
        }
        return fields
    }

    private static func apply(_ fields: [String: JSONValue], to definition: inout CollectionDefinition,
                              limits: (indexes: Int, fields: Int)) throws(AppBaseError) {
        if let rules = fields["rules"] { definition.rules = try CollectionDefinition.rules(from: rules, base: definition.rules) }
        if let value = fields["indexes"] {
            let indexes = try CollectionDefinition.indexes(from: value, maxFields: limits.fields)
            guard indexes.count <= limits.indexes else {
                throw .validation("A collection may declare at most \(limits.indexes) indexes.", field: "indexes")
            }
            definition.indexes = indexes
        }
    }

    private func adminAudit(_ action: String, _ name: String, _ request: HTTPRequest, _ context: RequestContext) async {
        await environment.audit(action, actor: context.auditActor(userAgent: request.headers["user-agent"]), target: name,
                                requestID: context.requestID, details: ["collection": name])
    }
}
