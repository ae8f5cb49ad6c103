import AppBaseCore
import AppBaseSQLite
#if canImport(Glibc)
import Glibc
#endif

/// A consistent, frozen copy of one database and the blobs its storage tables reference, in a
/// staging directory on the data directory's file system, taken while the server may run.
///
/// Why it is consistent (docs/adr/0037-backup-format.md): a blob file never changes once
/// published (`blobs/<uuid>`, written to `tmp/`, renamed, then its row committed), and a blob is
/// unlinked only after the commit that removed its row. So while a backup connection holds the
/// write lock (`BEGIN IMMEDIATE`), every blob the committed rows name exists and none can go:
/// they are hard-linked into the staging directory (no bytes copied), and a second connection
/// opens its read snapshot then. The lock is released and the database is copied with the
/// online backup API inside that read snapshot, while the app writes on. Writers wait only for
/// the links (`link(2)` per blob), within their 5 s busy timeout.
struct BackupSnapshot {
    /// `<staging>/app.sqlite` (or `master.sqlite`).
    let databasePath: String
    /// The referenced blob ids, each linked at `<staging>/blobs/<id>`.
    let blobIDs: [String]
    let staging: String

    /// Takes the snapshot of `database` into `staging` (created 0700, must not exist).
    /// - Parameter blobDirectory: the app's `storage/blobs`, nil for a database without storage.
    /// - Throws: `BackupError.io` for a missing database, a missing blob, or a SQLite error.
    static func take(database: String, blobDirectory: String?, into staging: String) throws -> BackupSnapshot {
        guard access(database, R_OK) == 0 else { throw BackupError.io("no database at \(database)") }
        guard mkdir(staging, DataDirectory.directoryMode) == 0 else {
            throw BackupError.io("cannot create \(staging): \(String(cString: strerror(errno)))")
        }
        let copy = staging + "/" + (database.split(separator: "/").last.map(String.init) ?? "app.sqlite")
        do {
            let locker = try SQLiteConnection(path: database, mode: .readWrite)
            let reader = try SQLiteConnection(path: database, mode: .readWrite)
            let destination = try SQLiteConnection(path: copy, mode: .readWrite)
            let blobs = try reader.transaction {
                let ids = try locker.transaction(.immediate) {
                    let ids = try referencedBlobs(locker)
                    if let blobDirectory, !ids.isEmpty { try link(ids, from: blobDirectory, into: staging + "/blobs") }
                    // Opens the reader's snapshot while no writer can commit: it sees exactly these rows.
                    _ = try reader.queryOne("SELECT count(*) FROM sqlite_master") { $0.int64(0) }
                    return ids
                }
                try reader.backup(into: destination)
                return ids
            }
            return BackupSnapshot(databasePath: copy, blobIDs: blobs, staging: staging)
        } catch let error as BackupError {
            BackupStaging.remove(staging)
            throw error
        } catch {
            BackupStaging.remove(staging)
            throw BackupError.io("snapshot of \(database) failed: \(error)")
        }
    }

    /// Every blob id the storage tables name (none when the app has no storage tables).
    private static func referencedBlobs(_ connection: SQLiteConnection) throws -> [String] {
        let hasStorage = try connection.queryOne(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'storage_file_versions'") { $0.int64(0) } ?? 0
        guard hasStorage > 0 else { return [] }
        return try connection.query("SELECT blob_id FROM storage_file_versions ORDER BY blob_id") { $0.text(0) }
    }

    private static func link(_ ids: [String], from blobDirectory: String, into target: String) throws {
        guard mkdir(target, DataDirectory.directoryMode) == 0 else {
            throw BackupError.io("cannot create \(target): \(String(cString: strerror(errno)))")
        }
        for id in ids {
            // Ids are server-made UUIDs; anything else in a row is damage, never a path to follow.
            guard Identifier.isUUID(id) else { throw BackupError.io("the storage tables name an invalid blob id") }
            guard Glibc.link(blobDirectory + "/" + id, target + "/" + id) == 0 else {
                let reason = errno == EXDEV ? "the backup staging directory is on another file system"
                    : String(cString: strerror(errno))
                throw BackupError.io("cannot link blob \(id) into the snapshot: \(reason)")
            }
        }
    }
}

/// The scratch directories of backups and restores: `data/.backups/.staging/<id>/` and
/// `data/.restore-<app>-<id>/`, two levels deep at most (files, and `blobs/` or `storage/…`).
enum BackupStaging {
    /// Removes a staging tree this code made (files and directories only, four levels at most).
    static func remove(_ path: String, depth: Int = 0) {
        guard depth < 4 else { return }
        for name in DirectoryListing.names(in: path) ?? [] {
            let child = path + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR { remove(child, depth: depth + 1) } else { unlink(child) }
        }
        rmdir(path)
    }
}
