import AppBaseCore
import AppBaseSQLite
import CRenameAt
#if canImport(Glibc)
import Glibc
#endif

/// Puts a verified restore staging directory in place of `data/<app>/`, with the app stopped.
///
/// The swap is one `renameat2(RENAME_EXCHANGE)`: at every instant `data/<app>` is either the
/// whole old tree or the whole restored one. The old tree then moves to `data/.trash/` (never
/// deleted). Before the swap the restored change log is reset past the live one (see
/// `resetChangeFeed`), so every SSE client of the app gets `reset` when it resumes. The app's
/// static site (`site/`) is deployed content, not data: it is not archived, and it moves over to
/// the restored tree.
enum BackupSwap {
    /// Replaces `data/<app>` (which may be missing) with `staging`; returns the trash path of the
    /// old tree relative to the data directory's parent (`data/.trash/…`), nil when there was none.
    static func replace(app: String, staging: String, dataDirectory: String, now: Int64) throws -> String? {
        let live = "\(dataDirectory)/\(app)"
        guard access(live, F_OK) == 0 else {
            try rename(staging, to: live)
            syncDirectory(dataDirectory)
            return nil
        }
        try resetChangeFeed(staging: "\(staging)/\(BackupLayout.databaseMember)",
                            live: AppSupervisor.databasePath(dataRoot: dataDirectory, app: app), now: now)
        // The static site (`site/`, deployed content, not in the archive) stays with the app.
        let site = SiteInstaller.siteDirectory(dataRoot: dataDirectory, app: app)
        let carried = access(site, F_OK) == 0 && Glibc.rename(site, "\(staging)/site") == 0
        guard renameat2(AT_FDCWD, staging, AT_FDCWD, live, APPBASE_RENAME_EXCHANGE) == 0 else {
            let reason = String(cString: strerror(errno))
            if carried { Glibc.rename("\(staging)/site", site) }
            throw BackupError.io("cannot swap \(staging) with \(live): \(reason)")
        }
        syncDirectory(dataDirectory)
        // `staging` now holds the old tree.
        let trashRoot = "\(dataDirectory)/.trash"
        do {
            try DataDirectory.create(trashRoot)
        } catch {
            return staging
        }
        let leaf = "\(app)-\(AppRegistry.compactUTC(now))-before-restore-\(Identifier.uuidV7(milliseconds: now).suffix(8))"
        guard Glibc.rename(staging, "\(trashRoot)/\(leaf)") == 0 else { return staging }
        return ".trash/\(leaf)"
    }

    /// Places `staging` as the new app `name`'s data directory (which must not exist).
    static func place(app: String, staging: String, dataDirectory: String) throws {
        let live = "\(dataDirectory)/\(app)"
        guard access(live, F_OK) != 0 else { throw BackupError.target("data/\(app) already exists; choose another --as name") }
        try rename(staging, to: live)
        syncDirectory(dataDirectory)
    }

    /// Makes every stream position a client may hold older than the restored log's horizon: the
    /// restored `change_log` is emptied and given one invisible marker row (no collection, an
    /// action no stream knows) numbered two past the larger of the live and the restored head.
    /// A client that resumes from any position it saw before the restore then gets `reset`
    /// (`expired`), even after new writes; one that saw a later position than the restored head
    /// would otherwise be replayed from a history that no longer exists.
    static func resetChangeFeed(staging: String, live: String, now: Int64) throws {
        do {
            var liveHead: Int64?
            if access(live, F_OK) == 0 { liveHead = try head(of: SQLiteConnection(path: live, mode: .readWrite)) }
            let restored = try SQLiteConnection(path: staging, mode: .readWrite)
            guard let restoredHead = try head(of: restored) else { return }
            let marker = max(liveHead ?? 0, restoredHead) + 2
            try restored.transaction(.immediate) {
                _ = try restored.run("DELETE FROM change_log")
                _ = try restored.run("""
                    INSERT INTO change_log (seq, collection, record_id, owner_id, action, created_at, size)
                    VALUES (?, '', '', NULL, 'restore', ?, 0)
                    """, [.integer(marker), .integer(now)])
            }
        } catch {
            throw BackupError.io("cannot reset the restored change log: \(error)")
        }
    }

    /// `max(seq)` of `change_log` (0 when empty), nil when the database has no change log.
    private static func head(of connection: SQLiteConnection) throws -> Int64? {
        let exists = try connection.queryOne(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'change_log'") { $0.int64(0) } ?? 0
        guard exists > 0 else { return nil }
        return try connection.queryOne("SELECT coalesce(max(seq), 0) FROM change_log") { $0.int64(0) } ?? 0
    }

    private static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw BackupError.io("cannot rename \(from) to \(to): \(String(cString: strerror(errno)))") }
    }

    /// Makes the renames durable.
    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
