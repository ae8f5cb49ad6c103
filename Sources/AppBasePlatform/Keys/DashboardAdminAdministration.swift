import AppBaseAuth
import AppBaseCore

/// An app's dashboard admins as the operator manages them (`appbase admin …`): opens (and migrates)
/// the app's database, changes its admins, and tells a running server (the same `reload-keys`
/// notification as key changes, which also reloads the dashboard) so a removed admin's sessions stop
/// working on the next request and the setup link disappears once an admin exists.
public enum DashboardAdminAdministration {
    /// What an operator sees of an admin: never the password hash.
    public struct Summary: Sendable, Hashable {
        public let id: String
        public let email: String
        /// Unix milliseconds.
        public let createdAt: Int64
        public let lastLoginAt: Int64?
        /// The JSON object `admin list --json` prints.
        public let json: JSONValue

        init(_ admin: DashboardAdmin) {
            id = admin.id
            email = admin.email
            createdAt = admin.createdAt
            lastLoginAt = admin.lastLoginAt
            json = admin.listingJSON
        }
    }

    /// Creates an admin; with `audited`, its `dashboard.admin.create` entry commits with it.
    /// - Throws: `DashboardAdminError`; SQLite errors; a server that refused to reload.
    public static func create(dataDirectory: String, app: String, email: String, password: String, audited: Bool = true,
                              clock: any WallClock = SystemWallClock()) async throws -> Summary {
        let path = try await AppDataLocation.prepareDatabase(dataDirectory: dataDirectory, app: app)
        let audit = OperatorAudit(enabled: audited, app: app, clock: clock)
        let admin = try DashboardAdminAdmin.create(databasePath: path, email: email, password: password,
                                                   clock: clock) { admin, connection in
            try audit.append(OperatorAudit.dashboardAdminCreated, target: admin.id, on: connection)
        }
        try AppKeyAdministration.notifyServer(dataDirectory: dataDirectory, app: app)
        return Summary(admin)
    }

    /// Every admin of the app, oldest first.
    public static func list(dataDirectory: String, app: String) async throws -> [Summary] {
        let path = try await AppDataLocation.prepareDatabase(dataDirectory: dataDirectory, app: app)
        return try DashboardAdminAdmin.list(databasePath: path).map(Summary.init)
    }

    /// Removes an admin (by id or email) and their sessions; with `audited`, a
    /// `dashboard.admin.remove` entry commits with it.
    public static func remove(dataDirectory: String, app: String, idOrEmail: String, audited: Bool = true,
                              clock: any WallClock = SystemWallClock()) async throws -> Summary {
        let path = try await AppDataLocation.prepareDatabase(dataDirectory: dataDirectory, app: app)
        let audit = OperatorAudit(enabled: audited, app: app, clock: clock)
        let admin = try DashboardAdminAdmin.remove(databasePath: path, idOrEmail: idOrEmail) { admin, connection in
            try audit.append(OperatorAudit.dashboardAdminRemoved, target: admin.id, on: connection)
        }
        try AppKeyAdministration.notifyServer(dataDirectory: dataDirectory, app: app)
        return Summary(admin)
    }
}
