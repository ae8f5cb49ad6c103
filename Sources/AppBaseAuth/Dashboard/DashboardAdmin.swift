import AppBaseCore

/// A person who may sign in to an app's dashboard. Not an app user: they live in their own table,
/// sign in with their own cookie, and act as the app's admin (`AuditActor.dashboardAdminID`).
public struct DashboardAdmin: Sendable, Hashable {
    public let id: String
    /// Normalised (trimmed, lowercased) like app users' emails.
    public let email: String
    /// Unix milliseconds.
    public let createdAt: Int64
    public let lastLoginAt: Int64?

    public init(id: String, email: String, createdAt: Int64, lastLoginAt: Int64?) {
        self.id = id
        self.email = email
        self.createdAt = createdAt
        self.lastLoginAt = lastLoginAt
    }

    /// `{"id","email"}`: what the dashboard routes answer with.
    var json: JSONValue { ["id": .string(id), "email": .string(email)] }

    /// What `appbase admin list --json` prints.
    public var listingJSON: JSONValue {
        [
            "id": .string(id), "email": .string(email), "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt)),
            "lastLoginAt": lastLoginAt.map { JSONValue.string(Timestamp.rfc3339(milliseconds: $0)) } ?? .null,
        ]
    }
}
