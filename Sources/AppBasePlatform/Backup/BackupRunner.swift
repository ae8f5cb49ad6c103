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
    /// Apps with a backup in progress (a second request gets 409 until it ends), each with the
    /// task that ends with its final record.
    private var running: [String: Task<BackupCatalog.Record, Never>] = [:]

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
        try await begin(app: app, origin: origin) { record in "\(self.directory(app: app))/\(record.id).tar.gz" }
    }

    /// A scheduled backup of `app` (its queue's `backup.scheduled` job), run to its end: skipped
    /// when the last scheduled one finished less than half an interval ago (the job run again
    /// after a crash, or by a restored database's queue); afterwards the schedule's archives
    /// beyond `keep` are deleted, oldest first, with their catalog rows.
    /// - Throws: 409 while another backup of the app runs, and the backup's own failure (the
    ///   job retries with its backoff).
    func runScheduled(app: String, schedule: BackupSchedule) async throws {
        let now = clock.nowMilliseconds()
        let history = try await BackupCatalog.list(app: app, limit: BackupSchedule.keepRange.upperBound * 2, in: master)
        let scheduled = history.filter { $0.origin == Self.scheduleOrigin && $0.state == .done }
        if let finished = scheduled.first?.finishedAt, now - finished < schedule.intervalSeconds * 500 { return }
        let directory = schedule.directory ?? self.directory(app: app)
        let record = try await begin(app: app, origin: Self.scheduleOrigin) { record in
            "\(directory)/\(AppBackup.fileName(app: app, at: record.startedAt))"
        }
        guard let task = running[app] else { return }
        // Waited for in short sleeps rather than on the task itself: stopping the app cancels
        // its jobs and waits for them, and a backup of many gigabytes must not hold up a stop
        // or a restart. Cancelled, the job ends here (queued again, and skipped once this
        // backup, which goes on in the background, is recorded).
        while running[app] == task { try await Task.sleep(for: .milliseconds(250)) }
        let final = await task.value
        guard final.state == .done else {
            throw BackupError.io(final.error ?? "the backup \(record.id) failed")
        }
        for old in ([final] + scheduled).dropFirst(schedule.keep) {
            if let path = old.path, unlink(path) != 0, errno != ENOENT {
                logger.warning("backup of \(app): could not delete the old archive \(path): errno \(errno)")
                continue
            }
            try await BackupCatalog.delete(id: old.id, in: master)
        }
    }

    /// Waits for the backup of `app` in progress, if any (tests, shutdown).
    func waitForRunning(app: String) async {
        _ = await running[app]?.value
    }

    /// The catalog's `origin` of scheduled backups.
    static let scheduleOrigin = "schedule"

    /// Records a `running` backup of `app` and starts it into the path `output` names.
    private func begin(app: String, origin: String,
                       output: @escaping @Sendable (BackupCatalog.Record) -> String) async throws -> BackupCatalog.Record {
        guard running[app] == nil else {
            throw AppBaseError(status: 409, code: .conflict, message: "A backup of \(app) is already in progress.")
        }
        let now = clock.nowMilliseconds()
        let id = Identifier.uuidV7(milliseconds: now)
        let record = BackupCatalog.Record(id: id, app: app, origin: origin, state: .running, path: nil, size: nil, files: nil,
                                          error: nil, startedAt: now, finishedAt: nil)
        try await BackupCatalog.insert(record, into: master)
        running[app] = Task { await self.run(record, output: output(record)) }
        return record
    }

    private func run(_ started: BackupCatalog.Record, output: String) async -> BackupCatalog.Record {
        let (dataRoot, clock, app) = (dataRoot, clock, started.app)
        let directory = String(output[..<(output.lastIndex(of: "/") ?? output.endIndex)])
        let (final, outcome) = await BackupHistory.complete(started, in: master, clock: clock) {
            try DataDirectory.create(directory)
            return try await AppBackup.create(dataDirectory: dataRoot, app: app, output: output, clock: clock)
        }
        if case .failure(let error) = outcome { logger.warning("backup of \(app) failed: \(error)") }
        running[app] = nil
        return final
    }
}
