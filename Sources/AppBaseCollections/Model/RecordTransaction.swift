import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import OrderedCollections

/// What one record write did, for the response, the audit event and `X-Change-Seq`.
struct WriteOutcome: Sendable {
    var action: RecordAction
    var collection: String
    var id: String
    /// HTTP status of the operation: 201, 200 or 204.
    var status: Int
    /// The record as clients see it (nil after a delete).
    var record: [UInt8]?
    var version: Int64
    /// The change-log sequence of this write.
    var sequence: Int64
}

/// Applies record operations for one caller inside one writer transaction: rules, preconditions,
/// the row change and its change-log entry, all in the same transaction.
///
/// Every method throws `AppBaseError` for the client (and anything from SQLite); the caller's
/// `DatabaseWriter.write` closure rethrows, which rolls back everything this job did.
struct RecordTransaction {
    let context: WriteContext
    let registry: CollectionRegistry
    let recorder: any ChangeRecorder
    let identity: Identity
    let requestID: String
    /// Milliseconds since the epoch, for ids and timestamps.
    let now: Int64
    /// Largest data text a write may leave (`CollectionSettings.maxRecordBytes`).
    var maxRecordBytes = CollectionSettings().maxRecordBytes
    /// Where each write's audit entry goes, in this same transaction (ADR 0028).
    var audit = RecordAudit(recorder: NoAuditRecorder(), app: "", actor: .system)

    private var connection: SQLiteConnection { context.connection }

    /// Creates a record owned by the caller's user (none for an admin key without a token).
    func create(in collection: String, data: [UInt8]) throws -> WriteOutcome {
        let timestamp = Timestamp.rfc3339(milliseconds: now)
        let definition = try registry.ensure(collection, in: context, now: timestamp)
        try AccessCheck.gate(definition.rules.create, .create, identity)
        try checkSize(data)
        let record = StoredRecord(id: Identifier.uuidV7(milliseconds: now), ownerID: identity.user?.id,
                                  createdAt: timestamp, updatedAt: timestamp, version: 1, data: data)
        try RecordStore.insert(record, into: collection, connection)
        let image = record.json
        let sequence = try recorder.record(
            RecordChange(collection: collection, recordID: record.id, ownerID: record.ownerID, action: .create,
                         oldImage: nil, newImage: image, requestID: requestID), in: context)
        return try audited(WriteOutcome(action: .create, collection: collection, id: record.id, status: 201, record: image,
                                        version: 1, sequence: sequence))
    }

    /// Replaces a record's data (PUT).
    func replace(in collection: String, id: String, data: [UInt8], ifMatch: IfMatch?) throws -> WriteOutcome {
        let old = try existing(collection, id, for: .update, ifMatch: ifMatch)
        try checkSize(data)
        var record = old
        record.data = data
        record.version = old.version + 1
        record.updatedAt = Timestamp.rfc3339(milliseconds: now)
        try RecordStore.replace(record, in: collection, connection)
        return try recordUpdate(from: old, to: record, in: collection)
    }

    /// Merges an RFC 7396 patch into a record's data (PATCH).
    func patch(in collection: String, id: String, patch: [UInt8], ifMatch: IfMatch?) throws -> WriteOutcome {
        let old = try existing(collection, id, for: .update, ifMatch: ifMatch)
        var record = old
        record.version = old.version + 1
        record.updatedAt = Timestamp.rfc3339(milliseconds: now)
        record.data = try RecordStore.merge(patch, into: id, of: collection, updatedAt: record.updatedAt,
                                            version: record.version, connection)
        // The merge already ran in this transaction: throwing rolls it back with the rest.
        try checkSize(record.data)
        return try recordUpdate(from: old, to: record, in: collection)
    }

    /// Deletes a record.
    func delete(in collection: String, id: String, ifMatch: IfMatch?) throws -> WriteOutcome {
        let old = try existing(collection, id, for: .delete, ifMatch: ifMatch)
        try RecordStore.delete(id, from: collection, connection)
        let sequence = try recorder.record(
            RecordChange(collection: collection, recordID: id, ownerID: old.ownerID, action: .delete,
                         oldImage: old.json, newImage: nil, requestID: requestID), in: context)
        return try audited(WriteOutcome(action: .delete, collection: collection, id: id, status: 204, record: nil,
                                        version: old.version, sequence: sequence))
    }

    /// The record to update or delete, after the read rule, the operation's rule and the
    /// precondition allowed it. Order matters: rules before `If-Match`, so a 412 never confirms a
    /// hidden record exists.
    private func existing(_ collection: String, _ id: String, for operation: AccessOperation,
                          ifMatch: IfMatch?) throws -> StoredRecord {
        let rules = try registry.rules(for: collection, in: context)
        try AccessCheck.gate(rules[operation], operation, identity)
        guard let record = try RecordStore.fetch(collection, id, connection),
              AccessCheck.allows(rules.read, ownerID: record.ownerID, identity) else {
            // A record the caller may not read is indistinguishable from a missing one, whatever
            // the update or delete rule says.
            throw AppBaseError.notFound("Record not found.")
        }
        guard AccessCheck.allows(rules[operation], ownerID: record.ownerID, identity) else {
            throw AccessCheck.denial(rules, operation, ownerID: record.ownerID, identity)
        }
        try ifMatch?.check(record.version)
        return record
    }

    /// Refuses data text beyond `maxRecordBytes` with 413 `payload_too_large`: a record grown
    /// past the limit (by PATCHes, or one large batch operation) would be copied into the change
    /// log and to every subscriber on each later write.
    private func checkSize(_ data: [UInt8]) throws(AppBaseError) {
        guard data.count > maxRecordBytes else { return }
        throw AppBaseError(status: 413, code: .payloadTooLarge,
                           message: "The record would be \(data.count) bytes of JSON; the limit is \(maxRecordBytes) bytes.",
                           details: .object(["limit": .int(Int64(maxRecordBytes)), "size": .int(Int64(data.count))]))
    }

    private func recordUpdate(from old: StoredRecord, to new: StoredRecord, in collection: String) throws -> WriteOutcome {
        let image = new.json
        let sequence = try recorder.record(
            RecordChange(collection: collection, recordID: new.id, ownerID: new.ownerID, action: .update,
                         oldImage: old.json, newImage: image, requestID: requestID), in: context)
        return try audited(WriteOutcome(action: .update, collection: collection, id: new.id, status: 200, record: image,
                                        version: new.version, sequence: sequence))
    }

    /// Appends `outcome`'s audit entry in this transaction: the write and its entry commit together.
    private func audited(_ outcome: WriteOutcome) throws -> WriteOutcome {
        try audit.recorder.append(audit.event(outcome, requestID: requestID, time: now), in: context)
        return outcome
    }
}

/// Who writes through a `RecordTransaction`, for the audit entries of its writes.
struct RecordAudit: Sendable {
    let recorder: any AuditRecorder
    let app: String
    let actor: AuditActor

    /// The audit event of a record write (never its contents). No details: the target
    /// `collection/id` already names the record, and every byte here is written, hashed and
    /// indexed once per record write (ADR 0028).
    func event(_ outcome: WriteOutcome, requestID: String, time: Int64) -> AuditEvent {
        AuditEvent(app: app, time: time, actor: actor, action: "record.\(outcome.action.rawValue)",
                   target: "\(outcome.collection)/\(outcome.id)", requestID: requestID)
    }
}
