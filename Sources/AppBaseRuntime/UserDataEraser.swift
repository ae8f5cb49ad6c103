import AppBaseCore

/// Deletes what one user owns in one service, when an admin deletes the user with
/// `DELETE /admin/users/:id?records=delete` (implemented by the collections and storage services;
/// the auth service, which owns users, calls them — see ADR 0027).
public protocol UserDataEraser: Sendable {
    /// Deletes every item `userID` owns, each with the change-log entry and audit event a normal
    /// delete writes, attributed to `actor` and `requestID`. Works in bounded batches (one writer
    /// transaction each), so other writes interleave; idempotent, so a failed run can be repeated.
    /// Returns how many items were deleted.
    /// - Throws: SQLite errors (what was deleted before stays deleted).
    func eraseData(ownedBy userID: String, actor: AuditActor, requestID: String?) async throws -> Int
}

/// The erasers the auth service calls when deleting a user with their data.
public struct UserDataErasers: Sendable {
    /// Records (every collection's records with `owner_id` = the user).
    public var records: (any UserDataEraser)?
    /// Files (every bucket's files owned by the user, all versions).
    public var files: (any UserDataEraser)?

    public init(records: (any UserDataEraser)? = nil, files: (any UserDataEraser)? = nil) {
        self.records = records
        self.files = files
    }
}
