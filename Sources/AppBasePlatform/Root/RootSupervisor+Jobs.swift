import AppBaseCore
import AppBaseJobs
import AppBaseSQLite
import Logging

/// The master's job queue (in `master.sqlite`): work that belongs to no single app. Its kinds are
/// registered here; today only the queue's own retention (`jobs.prune_finished`) runs on it.
extension RootSupervisor {
    /// The master queue's kinds and periodic jobs.
    static func masterJobRegistry() -> JobRegistry {
        JobRegistry()
    }

    /// Starts the master queue over `master`.
    static func startMasterJobs(master: DatabaseWriter, clock: any WallClock, logger: Logger) async throws -> JobScheduler {
        let scheduler = JobScheduler(scope: "master", writer: master, readers: nil, registry: masterJobRegistry(),
                                     settings: JobSettings(), clock: clock, logger: logger)
        try await scheduler.start()
        return scheduler
    }
}
