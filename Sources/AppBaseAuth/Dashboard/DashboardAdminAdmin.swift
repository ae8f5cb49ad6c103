import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite

/// Dashboard admin management straight on an app's `app.sqlite`, for the CLI (`appbase admin
/// create|list|remove`), whether or not the server runs — the same pattern as `APIKeyAdmin`: each call
/// opens its own connection, migrates the dashboard schema if needed, commits one transaction and
/// closes. A running server applies the change when the platform calls `AuthService.reloadDashboard()`.
public enum DashboardAdminAdmin {
    /// Creates an admin with `password` (hashed here with Argon2id `parameters`; the server rehashes at the
    /// next sign-in if its own parameters differ). Any unused setup link stops working.
    /// - Throws: `DashboardAdminError`; SQLite errors.
    /// - Parameter alsoInTransaction: runs with the new admin inside the same transaction (the
    ///   platform appends the audit entry there); what it throws rolls the admin back.
    public static func create(databasePath: String, email rawEmail: String, password: String,
                              argon2MemoryKiB: Int? = nil, argon2Iterations: Int? = nil, clock: any WallClock,
                              alsoInTransaction: (DashboardAdmin, SQLiteConnection) throws -> Void = { _, _ in })
        throws -> DashboardAdmin {
        guard let email = EmailAddress.normalize(rawEmail) else { throw DashboardAdminError.invalidEmail }
        var settings = AuthSettings()
        if let argon2MemoryKiB { settings.argon2MemoryKiB = argon2MemoryKiB }
        if let argon2Iterations { settings.argon2Iterations = argon2Iterations }
        let hash: String
        do {
            hash = try PasswordHasher.hash(password, parameters: try settings.argon2Parameters())
        } catch let error as PasswordHashError {
            switch error {
            case .passwordTooShort, .passwordTooLong: throw DashboardAdminError.invalidPassword
            case .hashingFailed, .invalidParameters: throw DashboardAdminError.hashingFailed
            }
        }
        let connection = try open(databasePath)
        let now = clock.nowMilliseconds()
        let admin = DashboardAdmin(id: Identifier.uuidV7(milliseconds: now), email: email, createdAt: now, lastLoginAt: nil)
        try connection.transaction(.immediate) {
            guard try DashboardStore.insertAdmin(admin, passwordHash: hash, on: connection) else {
                throw DashboardAdminError.emailTaken(email)
            }
            try DashboardStore.deleteUnusedSetupTokens(on: connection)
            try alsoInTransaction(admin, connection)
        }
        return admin
    }

    /// Every admin, oldest first.
    public static func list(databasePath: String) throws -> [DashboardAdmin] {
        try DashboardStore.admins(on: try open(databasePath))
    }

    /// Removes the admin whose id or email is `idOrEmail`, with all their sessions.
    /// - Throws: `DashboardAdminError.notFound`; SQLite errors.
    /// - Parameter alsoInTransaction: as for `create`, with the removed admin.
    public static func remove(databasePath: String, idOrEmail: String,
                              alsoInTransaction: (DashboardAdmin, SQLiteConnection) throws -> Void = { _, _ in })
        throws -> DashboardAdmin {
        let connection = try open(databasePath)
        let email = EmailAddress.normalize(idOrEmail)
        return try connection.transaction(.immediate) {
            let admins = try DashboardStore.admins(on: connection)
            guard let admin = admins.first(where: { $0.id == idOrEmail || $0.email == email }) else {
                throw DashboardAdminError.notFound(idOrEmail)
            }
            _ = try DashboardStore.deleteAdmin(id: admin.id, on: connection)
            try alsoInTransaction(admin, connection)
            return admin
        }
    }

    private static func open(_ path: String) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        try connection.execute("PRAGMA busy_timeout = 5000")
        try connection.execute("PRAGMA journal_mode = WAL")
        try Migrator.migrate(connection, namespace: DashboardMigrations.namespace, DashboardMigrations.all)
        return connection
    }
}

/// Why an admin command failed (messages name the argument, never a password).
public enum DashboardAdminError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidEmail
    case invalidPassword
    case hashingFailed
    case emailTaken(String)
    case notFound(String)

    /// A one-line message for the CLI.
    public var description: String {
        switch self {
        case .invalidEmail: return "that is not a valid email address"
        case .invalidPassword:
            return "the password must be \(PasswordHasher.minimumPasswordBytes) to \(PasswordHasher.maximumPasswordBytes) bytes"
        case .hashingFailed: return "password hashing failed (out of memory?)"
        case .emailTaken(let email): return "a dashboard admin with email \(email) already exists"
        case .notFound(let text): return "no dashboard admin with id or email \"\(text)\""
        }
    }
}
