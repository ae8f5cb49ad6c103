import AppBaseCore
import AppBaseSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Records backups in `master.sqlite` (`BackupCatalog`): the control plane's, the CLI's and
/// scheduled ones, so every one shows in `GET /api/apps/:name/backups` and as the app's
/// `lastBackup`. Safe while the server runs (WAL, two short writes).
public enum BackupHistory {
    /// Runs `body` for a backup of `app` made outside the control plane (the CLI, a schedule),
    /// recording it as `running`, then `done` or `failed`.
    public static func record(dataDirectory: String, app: String, origin: String, clock: any WallClock,
                              _ body: @Sendable () async throws -> AppBackup.Result) async throws -> AppBackup.Result {
        try DataDirectory.create(dataDirectory)
        let master = try await MasterDatabase.open(path: "\(dataDirectory)/master.sqlite")
        let now = clock.nowMilliseconds()
        let started = BackupCatalog.Record(id: Identifier.uuidV7(milliseconds: now), app: app, origin: origin, state: .running,
                                           path: nil, size: nil, files: nil, error: nil, startedAt: now, finishedAt: nil)
        do {
            try await BackupCatalog.insert(started, into: master)
        } catch {
            await master.close()
            throw error
        }
        let (_, outcome) = await complete(started, in: master, clock: clock, body)
        await master.close()
        return try outcome.get()
    }

    /// Runs `body` for the recorded backup `started` and records its outcome (a failure to
    /// record is part of the outcome only when the backup itself succeeded).
    static func complete(_ started: BackupCatalog.Record, in master: DatabaseWriter, clock: any WallClock,
                         _ body: @Sendable () async throws -> AppBackup.Result) async -> (BackupCatalog.Record, Result<AppBackup.Result, any Error>) {
        var record = started
        var outcome: Result<AppBackup.Result, any Error>
        do {
            let result = try await body()
            record.state = .done
            record.path = result.path
            record.size = result.size
            record.files = Int64(result.files)
            outcome = .success(result)
        } catch {
            record.state = .failed
            record.error = String(describing: error)
            outcome = .failure(error)
        }
        record.finishedAt = clock.nowMilliseconds()
        do {
            try await BackupCatalog.update(record, in: master)
        } catch {
            if case .success = outcome { outcome = .failure(error) }
        }
        return (record, outcome)
    }
}
