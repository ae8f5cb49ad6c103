import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import AppBaseSQLite

/// `POST /db/collections/:collection`, `GET|PUT|PATCH|DELETE /db/collections/:collection/:id`.
extension CollectionService {
    func registerRecordRoutes(on routes: inout RouteTable) {
        let limit = settings.maxBodyBytes
        routes.add(.POST, "/db/collections/:collection", auth: .apiKey, bodyLimit: limit) { [self] request, context in
            try await createRecord(request, context)
        }
        // A point read by primary key costs a few microseconds: answered on the loop when it fits
        // the inline budget, else (or when the database is busy) on a reader thread.
        routes.add(.GET, "/db/collections/:collection/:id", auth: .apiKey, fastPath: { [self] request, context in
            try getRecordInline(request, context)
        }) { [self] request, context in
            try await getRecord(request, context)
        }
        routes.add(.PUT, "/db/collections/:collection/:id", auth: .apiKey, bodyLimit: limit) { [self] request, context in
            try await updateRecord(request, context, merge: false)
        }
        routes.add(.PATCH, "/db/collections/:collection/:id", auth: .apiKey, bodyLimit: limit) { [self] request, context in
            try await updateRecord(request, context, merge: true)
        }
        routes.add(.DELETE, "/db/collections/:collection/:id", auth: .apiKey) { [self] request, context in
            try await deleteRecord(request, context)
        }
    }

    /// 201 with the new record, `ETag`, `Location` and `X-Change-Seq`.
    private func createRecord(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let collection = try ResourceName.validatedCollection(context.parameter("collection"))
        // Fail fast, before reading the body; the transaction checks again against its own view.
        try AccessCheck.gate(registry.rules(for: collection).create, .create, context.identity)
        let data = try await recordData(request)
        let outcome = try await transaction(context) { write in try write.create(in: collection, data: data) }
        await audit(outcome, request, context)
        var response = Self.recordResponse(outcome)
        response.headers.add("Location", "/db/collections/\(collection)/\(outcome.id)")
        return response
    }

    /// What a record read needs, checked before any I/O.
    private struct RecordRead: Sendable {
        let collection: String
        let id: String
        let rule: AccessRule
        let identity: Identity
        let projection: Projection?
        let notModifiedIf: IfMatch?
    }

    private func recordRead(_ request: HTTPRequest, _ context: RequestContext) throws -> RecordRead {
        let collection = try ResourceName.validatedCollection(context.parameter("collection"))
        let id = try context.parameter("id")
        let rule = try registry.rules(for: collection).read
        try AccessCheck.gate(rule, .read, context.identity)
        let projection = try request.queryValue("fields").map { text throws(AppBaseError) in
            try Projection(parsing: text, maxFields: settings.maxProjectedFields)
        }
        return RecordRead(collection: collection, id: id, rule: rule, identity: context.identity, projection: projection,
                          notModifiedIf: request.headers["if-none-match"].map(IfMatch.init(header:)))
    }

    /// A record as a read found it: its JSON (nil for 304) and version. A named type, not a
    /// tuple: the generic read helpers would otherwise look up tuple metadata at every read.
    private struct FoundRecord: Sendable {
        let body: [UInt8]?
        let version: Int64
    }

    /// The record, or nil when it is missing or hidden.
    private static func readRecord(_ read: RecordRead, _ connection: SQLiteConnection) throws -> FoundRecord? {
        try RecordStore.withRow(read.collection, read.id, connection) { row -> FoundRecord? in
            guard AccessCheck.allows(read.rule, ownerID: row.optionalText(1), read.identity) else { return nil }
            let version = row.int64(4)
            if let notModifiedIf = read.notModifiedIf, notModifiedIf.matches(version) { return FoundRecord(body: nil, version: version) }
            var body: [UInt8] = []
            if let projection = read.projection { projection.appendRow(row, to: &body) } else { RecordJSON.appendRow(row, to: &body) }
            return FoundRecord(body: body, version: version)
        } ?? nil
    }

    /// 200 with the record (or its `fields` projection) and `ETag`; 304 for a matching
    /// `If-None-Match`; 404 when it is missing or the read rule hides it.
    private static func recordResponse(_ found: FoundRecord?) throws -> HTTPResponse {
        guard let found else { throw AppBaseError.notFound("Record not found.") }
        let etag = HTTPHeaders("ETag", "\"\(found.version)\"")
        guard let body = found.body else { return HTTPResponse(status: 304, headers: etag) }
        return .json(200, body, headers: etag)
    }

    /// The loop's answer, or nil to read on a reader thread (over the inline budget, busy).
    private func getRecordInline(_ request: HTTPRequest, _ context: RequestContext) throws -> HTTPResponse? {
        let read = try recordRead(request, context)
        guard let found = try environment.readers.readInline(sharingSnapshot: true, { try Self.readRecord(read, $0) }) else { return nil }
        return try Self.recordResponse(found)
    }

    private func getRecord(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let read = try recordRead(request, context)
        return try Self.recordResponse(try await environment.readers.read { try Self.readRecord(read, $0) })
    }

    /// PUT replaces the data; PATCH merges an RFC 7396 patch. 200 with the record.
    private func updateRecord(_ request: HTTPRequest, _ context: RequestContext, merge: Bool) async throws -> HTTPResponse {
        let collection = try ResourceName.validatedCollection(context.parameter("collection"))
        let id = try context.parameter("id")
        try AccessCheck.gate(registry.rules(for: collection).update, .update, context.identity)
        let ifMatch = request.headers["if-match"].map(IfMatch.init(header:))
        let data = try await recordData(request)
        let outcome = try await transaction(context) { write in
            merge ? try write.patch(in: collection, id: id, patch: data, ifMatch: ifMatch)
                : try write.replace(in: collection, id: id, data: data, ifMatch: ifMatch)
        }
        await audit(outcome, request, context)
        return Self.recordResponse(outcome)
    }

    /// 204.
    private func deleteRecord(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let collection = try ResourceName.validatedCollection(context.parameter("collection"))
        let id = try context.parameter("id")
        let ifMatch = request.headers["if-match"].map(IfMatch.init(header:))
        let outcome = try await transaction(context) { write in try write.delete(in: collection, id: id, ifMatch: ifMatch) }
        await audit(outcome, request, context)
        return Self.recordResponse(outcome)
    }

    /// The request body as stored data text (system fields dropped, reserved keys refused).
    private func recordData(_ request: HTTPRequest) async throws -> [UInt8] {
        try await readBody(request, limit: settings.maxBodyBytes, maxDepth: settings.maxDepth) { value in
            try RecordValidator.dataText(value)
        }
    }

    /// A write's response: the record (or 204), its `ETag` and the change sequence of the write.
    static func recordResponse(_ outcome: WriteOutcome) -> HTTPResponse {
        var headers = HTTPHeaders("X-Change-Seq", String(outcome.sequence))
        guard let record = outcome.record else { return .noContent(headers: headers) }
        headers.add("ETag", "\"\(outcome.version)\"")
        return .json(outcome.status, record, headers: headers)
    }
}
