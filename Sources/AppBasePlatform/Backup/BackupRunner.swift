import AppBaseCore
import AppBaseSQLite
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Runs the control plane's backups in the background, one at a time per app, into
/// `data/.backups/<app>/<id>.tar.gz`, and records each in the `BackupCatalog`. A request
/// starts one and is answered at once (202); the status and the download are separate routes.
/// Scheduled backups call `AppBackup.create` the same way (origin `schedule`).
actor BackupRunner {
    let dataRoot: String
    let master: DatabaseWriter
    let clock: any WallClock
    let logger: Logger
    /// Apps with a backup in progress (a second request gets 409 until it ends).
    private var running: [String: Task<Void, Never>] = [:]

    init(dataRoot: String, master: DatabaseWriter, clock: any WallClock, logger: Logger) {
        self.dataRoot = dataRoot
        self.master = master
        self.clock = clock
        self.logger = logger
    }

    /// Where the control plane keeps an app's archives.
    nonisolated func directory(app: String) -> String { "\(dataRoot)/.backups/\(app)" }

    /// Starts a backup of `app` and returns its record (`running`).
    /// - Throws: 409 while one of the same app runs; SQLite errors from recording it.
    func start(app: String, origin: String = "api") async throws -> BackupCatalog.Record {
        guard running[app] == nil else {
            throw AppBaseError(status: 409, code: .conflict, message: "A backup of \(app) is already in progress.")
        }
        let now = clock.nowMilliseconds()
        let id = Identifier.uuidV7(milliseconds: now)
        let record = BackupCatalog.Record(id: id, app: app, origin: origin, state: .running, path: nil, size: nil, files: nil,
                                          error: nil, startedAt: now, finishedAt: nil)
        try await BackupCatalog.insert(record, into: master)
        running[app] = Task { await self.run(record) }
        return record
    }

    /// Waits for the backup of `app` in progress, if any (tests, shutdown).
    func waitForRunning(app: String) async {
        await running[app]?.value
    }

    private func run(_ started: BackupCatalog.Record) async {
        let (dataRoot, clock, app) = (dataRoot, clock, started.app)
        let output = "\(directory(app: app))/\(started.id).tar.gz"
        let (_, outcome) = await BackupHistory.complete(started, in: master, clock: clock) {
            try DataDirectory.create(self.directory(app: app))
            return try await AppBackup.create(dataDirectory: dataRoot, app: app, output: output, clock: clock)
        }
        if case .failure(let error) = outcome { logger.warning("backup of \(app) failed: \(error)") }
        running[app] = nil
    }
}
