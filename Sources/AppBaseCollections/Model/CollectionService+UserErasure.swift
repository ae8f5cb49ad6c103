import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite

/// Deleting every record a user owns, when an admin deletes the user with `records=delete` (ADR 0027).
extension CollectionService: UserDataEraser {
    /// Records deleted per writer transaction: other writes wait at most one batch.
    static let erasureBatch = 200

    /// Deletes the records with `owner_id = userID` in every collection, in batches, each through
    /// `RecordTransaction.delete` as the admin (so each gets its change-log entry, in its transaction)
    /// and its `record.delete` audit entry, attributed to `actor`) and then its audit event on the bus.
    /// - Throws: SQLite errors; batches committed before stay deleted.
    public func eraseData(ownedBy userID: String, actor: AuditActor, requestID: String?) async throws -> Int {
        let registry = self.registry, recorder = self.recorder, clock = environment.clock
        let maxRecordBytes = settings.maxRecordBytes, batch = Self.erasureBatch
        let identity = Identity(keyID: actor.keyID, keyKind: .admin)
        let entries = recordAudit(actor: actor)
        var deleted = 0
        while true {
            let outcomes = try await environment.writer.write { write -> [WriteOutcome] in
                let transaction = RecordTransaction(context: write, registry: registry, recorder: recorder, identity: identity,
                                                    requestID: requestID ?? "", now: clock.nowMilliseconds(),
                                                    maxRecordBytes: maxRecordBytes, audit: entries)
                // Per collection, so the (collection, owner_id, …) index finds the rows.
                let targets = try write.connection.query("""
                    SELECT r.collection, r.id FROM collections c JOIN records r ON r.collection = c.name AND r.owner_id = ?
                    LIMIT ?
                    """, [.text(userID), .integer(Int64(batch))]) { (collection: $0.text(0), id: $0.text(1)) }
                return try targets.map { try transaction.delete(in: $0.collection, id: $0.id, ifMatch: nil) }
            }
            for outcome in outcomes { await audit(outcome, actor: actor, requestID: requestID) }
            deleted += outcomes.count
            if outcomes.count < batch { return deleted }
        }
    }
}
