import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Logging
@testable import AppBaseJobs

/// A job queue over a scratch database with a manual clock, started without its loop: tests
/// drive it with `drain()` and move time with `clock.advance`.
struct JobTestQueue {
    let directory: String
    let database: TestDatabase
    let clock: ManualWallClock
    let scheduler: JobScheduler

    static let silent = Logger(label: "appbase-jobs-tests") { _ in SwiftLogNoOpLogHandler() }

    /// Opens (or reopens, after a "crash") the queue in `directory`.
    static func open(in directory: String? = nil, clock: ManualWallClock = ManualWallClock(), settings: JobSettings = JobSettings(),
                     runLoop: Bool = false, _ configure: (inout JobRegistry) -> Void) async throws -> JobTestQueue {
        let directory = try directory ?? TemporaryDirectory.make(prefix: "appbase-jobs")
        let database = try await TestDatabase.open(in: directory, migrations: [JobSchema.migrationSet])
        var registry = JobRegistry()
        configure(&registry)
        let scheduler = JobScheduler(scope: "test", writer: database.writer, readers: database.readers, registry: registry,
                                     settings: settings, clock: clock, logger: silent)
        try await scheduler.start(runLoop: runLoop)
        return JobTestQueue(directory: directory, database: database, clock: clock, scheduler: scheduler)
    }

    /// Runs what is due now and waits for it to finish; returns how many started.
    @discardableResult
    func drain() async -> Int {
        let started = await scheduler.runDue()
        await scheduler.waitForRunningJobs()
        return started
    }

    func job(_ id: Int64) async throws -> Job {
        guard let job = try await scheduler.job(id) else { throw TestFailure("job \(id) is gone") }
        return job
    }

    /// Stops the scheduler and closes the database, leaving the files (for a reopen).
    func close() async {
        await scheduler.stop()
        await database.close()
    }

    /// Closes and removes everything.
    func remove() async {
        await close()
        TemporaryDirectory.remove(directory)
    }
}

/// An error a test handler throws.
struct DeliberateFailure: Error, CustomStringConvertible {
    var description: String { "deliberate failure" }
}
