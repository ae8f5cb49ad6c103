import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import Logging

/// An app database for tests: `<directory>/app.sqlite` opened the way an app subtree opens it,
/// with its single writer (migrations applied) and two readers.
///
/// The database does not own its directory: a test may reopen the same directory (a restart),
/// so removing it is the caller's step, after `close()`.
public struct TestDatabase: Sendable {
    /// The data directory holding the database file.
    public let directory: String
    /// `<directory>/app.sqlite`.
    public let path: String
    public let writer: DatabaseWriter
    public let readers: DatabaseReaders

    /// The database file's path inside `directory`.
    public static func path(in directory: String) -> String { directory + "/app.sqlite" }

    /// Opens (creating when new) the database in `directory` and applies `migrations` in order.
    /// - Parameter foreignKeys: turns on `PRAGMA foreign_keys` for the writer, as services whose
    ///   schema relies on cascades expect.
    public static func open(in directory: String, foreignKeys: Bool = false,
                            migrations: [MigrationSet]) async throws -> TestDatabase {
        let path = path(in: directory)
        var pragmas = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"]
        if foreignKeys { pragmas.append("PRAGMA foreign_keys = ON") }
        let writer = try await DatabaseWriter.open(path: path, pragmas: pragmas,
                                                   migrations: migrations.map { ($0.namespace, $0.migrations) })
        let readers: DatabaseReaders
        do {
            readers = try await DatabaseReaders.open(path: path, count: 2, pragmas: [])
        } catch {
            await writer.close()
            throw error
        }
        return TestDatabase(directory: directory, path: path, writer: writer, readers: readers)
    }

    /// The environment services of app `app` get over this database.
    /// - Parameter storageDirectory: defaults to `<directory>/storage`, as in a real data directory.
    public func environment(app: String, storageDirectory: String? = nil, bus: EventBus = EventBus(),
                            clock: any WallClock, logger: Logger, masterSecret: [UInt8]) -> AppEnvironment {
        AppEnvironment(app: app, dataDirectory: directory, storageDirectory: storageDirectory ?? directory + "/storage",
                       writer: writer, readers: readers, bus: bus, clock: clock, logger: logger,
                       masterSecret: masterSecret)
    }

    /// Closes the readers, then the writer (which checkpoints the WAL). Leaves the files in place.
    public func close() async {
        await readers.close()
        await writer.close()
    }
}
