import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// Makes backup archives: the one operation the CLI (`appbase backup`), the control plane
/// (`POST /api/apps/:name/backups`) and scheduled backups call. Safe while the server runs and
/// serves (see `BackupSnapshot`); blocking work runs on a thread of its own, never the pool.
public enum AppBackup {
    /// A finished archive.
    public struct Result: Sendable, Equatable {
        /// The app, or `master`.
        public let app: String
        public let path: String
        /// The archive's size on disk.
        public let size: Int64
        /// Files in the archive besides the JSON members (the database and each blob).
        public let files: Int
        /// When the snapshot was taken (unix milliseconds).
        public let createdAt: Int64
    }

    /// Writes a backup of `app` (or of `master.sqlite` when `app` is `master`) to `output`,
    /// which must not exist. The archive appears under its name only when complete (it is
    /// written to `<output>.partial` and renamed).
    /// - Throws: `BackupError` (`.io` for a missing app or database, a full disk, …).
    public static func create(dataDirectory: String, app: String, output: String, level: Int = 1,
                              clock: any WallClock = SystemWallClock()) async throws -> Result {
        let thread = DedicatedThread(name: "backup")
        defer { thread.shutdown() }
        return try await thread.run {
            // Hashing and compressing compete with request handling for the same cores: this
            // thread (Linux nice values are per thread, `who = 0` is the caller) yields to them.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, backgroundNice)
            return try makeArchive(dataDirectory: dataDirectory, app: app, output: output, level: level, clock: clock)
        }
    }

    /// The nice value of a backup's thread (requests keep 0).
    static let backgroundNice: Int32 = 10

    /// `<app>-<UTC time>.tar.gz`, the name the CLI and the control plane give an archive.
    public static func fileName(app: String, at millis: Int64) -> String {
        "\(app)-\(AppRegistry.compactUTC(millis)).tar.gz"
    }

    private static func makeArchive(dataDirectory: String, app: String, output: String, level: Int,
                                    clock: any WallClock) throws -> Result {
        guard access(output, F_OK) != 0 else { throw BackupError.target("\(output) already exists; choose another --out") }
        let isMaster = app == BackupManifest.masterName
        let database = isMaster ? "\(dataDirectory)/master.sqlite" : AppSupervisor.databasePath(dataRoot: dataDirectory, app: app)
        let stagingRoot = "\(dataDirectory)/.backups/.staging"
        do {
            try DataDirectory.create(stagingRoot)
        } catch {
            throw BackupError.io("cannot create \(stagingRoot): \(error)")
        }
        let now = clock.nowMilliseconds()
        let staging = "\(stagingRoot)/\(Identifier.uuidV7(milliseconds: now))"
        let snapshot = try BackupSnapshot.take(database: database,
                                               blobDirectory: isMaster ? nil : "\(dataDirectory)/\(app)/storage/blobs",
                                               into: staging)
        defer { BackupStaging.remove(staging) }
        let partial = output + ".partial"
        unlink(partial)
        let writer = try BackupArchiveWriter(path: partial, level: level)
        let seconds = now / 1000
        var manifest = BackupManifest(format: BackupManifest.formatVersion, app: app, createdAt: now,
                                      appbaseVersion: AppBaseVersion.current, files: [])
        do {
            try writer.add(name: BackupManifest.headerMember, bytes: Array(manifest.headerJSON.jsonText.utf8), modifiedAt: seconds)
            let databaseName = isMaster ? BackupLayout.masterDatabaseMember : BackupLayout.databaseMember
            manifest.files.append(try writer.addFile(name: databaseName, from: snapshot.databasePath, modifiedAt: seconds))
            for id in snapshot.blobIDs {
                manifest.files.append(try writer.addFile(name: BackupLayout.blobPrefix + id, from: "\(staging)/blobs/\(id)",
                                                         modifiedAt: seconds))
            }
            try writer.add(name: BackupManifest.manifestMember, bytes: Array(manifest.manifestJSON.jsonText.utf8), modifiedAt: seconds)
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
        guard rename(partial, output) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partial)
            throw BackupError.io("cannot rename \(partial) to \(output): \(reason)")
        }
        var info = stat()
        let size = stat(output, &info) == 0 ? Int64(info.st_size) : 0
        return Result(app: app, path: output, size: size, files: manifest.files.count, createdAt: now)
    }
}

/// Member names inside an app archive.
enum BackupLayout {
    static let databaseMember = "app.sqlite"
    static let masterDatabaseMember = "master.sqlite"
    static let blobPrefix = "storage/blobs/"
}
