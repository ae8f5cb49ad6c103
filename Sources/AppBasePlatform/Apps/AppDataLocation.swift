import AppBaseSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Where an app's data lives, for commands that work on it without a running server.
public enum AppDataLocation {
    /// Creates `data/<app>/` and brings `app.sqlite` to the current schema (a no-op when it
    /// already is); returns the database path. Safe while the server runs (WAL, one short write).
    /// - Throws: `DataDirectoryUnsafeError` when another user can write the data directory.
    public static func prepareDatabase(dataDirectory: String, app: String) async throws -> String {
        try DataDirectory.create(dataDirectory)
        try DataDirectory.checkOwnedByThisUser(dataDirectory)
        try DataDirectory.create("\(dataDirectory)/\(app)/storage")
        let path = AppSupervisor.databasePath(dataRoot: dataDirectory, app: app)
        let writer = try await DatabaseWriter.open(path: path, pragmas: MasterDatabase.writerPragmas,
                                                   migrations: AppSupervisor.migrationSets)
        _ = try await AppMetadata.masterSecret(writer: writer)
        await writer.close()
        return path
    }

    /// The apps created through the control plane (kept in `master.sqlite`), for commands that
    /// accept an app the config file does not name. Empty when there is no master database yet.
    public static func apiCreatedApps(dataDirectory: String) async throws -> [String] {
        guard access("\(dataDirectory)/master.sqlite", F_OK) == 0 else { return [] }
        let database = try await MasterDatabase.open(path: "\(dataDirectory)/master.sqlite")
        do {
            let rows = try await APIAppStore.list(database)
            await database.close()
            return rows.map(\.name)
        } catch {
            await database.close()
            throw error
        }
    }
}
