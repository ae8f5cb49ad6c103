import AppBaseAudit
import AppBaseAuth
import AppBaseChangeFeed
import AppBaseCore
import AppBaseJobs
import AppBaseStorage

/// The maintenance of an app's services, as kinds and periodic jobs of the app's queue. The
/// services expose plain functions and know nothing of the queue; this is the one place that
/// says what runs how often.
extension AppSupervisor {
    /// Kind names of the services' maintenance (stable: stored in `jobs.kind`).
    enum MaintenanceKind {
        static let changeLogPrune = "changefeed.prune"
        static let authFlushUsage = "auth.flush_usage"
        static let authPruneSessions = "auth.prune_sessions"
        static let storageTrimVersions = "storage.trim_versions"
        static let storageSweepTemp = "storage.sweep_temp"
        static let auditPrune = "audit.prune"
        static let scheduledBackup = "backup.scheduled"
    }

    /// The app's scheduled backups as a job body, when `[apps.<name>.backup]` asks for them.
    var scheduledBackups: ScheduledBackups? {
        guard let schedule = configuration.backup, let backups else { return nil }
        let app = name
        return ScheduledBackups(schedule: schedule) { try await backups.runScheduled(app: app, schedule: schedule) }
    }

    /// `[apps.<name>.backup]` and what runs one.
    struct ScheduledBackups: Sendable {
        let schedule: BackupSchedule
        let run: @Sendable () async throws -> Void
    }

    /// The app queue's registry. The minute jobs (change-log window, key usage) carry probes
    /// that look at what their service keeps in memory, so an idle app's due runs are skipped
    /// without touching its database; the hourly ones (sessions, storage, audit, finished jobs)
    /// fall on the same grid instant, so an idle app's database wakes once an hour (ADR 0036).
    static func jobRegistry(auth: AuthService, feed: ChangeFeedService, storage: StorageService, audit: AuditService,
                            settings: JobSettings, dataDirectory: String, backups: ScheduledBackups? = nil) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(JobKind(MaintenanceKind.auditPrune)) { _ in _ = try await audit.pruneExpired() }
        registry.every(audit.pruneIntervalSeconds, run: MaintenanceKind.auditPrune)
        registry.register(JobKind(MaintenanceKind.changeLogPrune)) { _ in try await feed.prune() }
        registry.every(feed.pruneIntervalSeconds, run: MaintenanceKind.changeLogPrune,
                       when: { now in feed.pruneMayHaveWork(nowMilliseconds: now) })
        registry.register(JobKind(MaintenanceKind.authFlushUsage)) { _ in try await auth.flushUsage() }
        registry.every(auth.upkeepIntervalSeconds, run: MaintenanceKind.authFlushUsage, when: { _ in auth.flushMayHaveWork() })
        registry.register(JobKind(MaintenanceKind.authPruneSessions)) { _ in try await auth.pruneSessions() }
        registry.every(AuthService.sessionPruneIntervalSeconds, run: MaintenanceKind.authPruneSessions)
        registry.register(JobKind(MaintenanceKind.storageTrimVersions)) { _ in try await storage.trimExcessVersions() }
        registry.every(StorageService.maintenanceIntervalSeconds, run: MaintenanceKind.storageTrimVersions)
        registry.register(JobKind(MaintenanceKind.storageSweepTemp)) { _ in try await storage.sweepStaleTemporaryFiles() }
        registry.every(StorageService.maintenanceIntervalSeconds, run: MaintenanceKind.storageSweepTemp)
        if let backups {
            // A failed backup is tried again a minute later, then after 2 and 4 (disk full, a
            // backup of the control plane's in progress), then waits for the next interval.
            // A day: a backup of a very large app may take hours; past the limit the job stops
            // waiting (the backup itself finishes in the background, see BackupRunner).
            registry.register(JobKind(MaintenanceKind.scheduledBackup, maxAttempts: 4,
                                      backoff: JobBackoff(initialMilliseconds: 60_000, maximumMilliseconds: 3_600_000),
                                      timeout: .seconds(86_400))) { _ in
                try await backups.run()
            }
            registry.every(backups.schedule.intervalSeconds, run: MaintenanceKind.scheduledBackup)
        }
        if settings.testInterruptJob { TestInterruptJob.register(in: &registry, dataDirectory: dataDirectory) }
        return registry
    }
}
