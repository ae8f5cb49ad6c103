import AppBaseCore
import AppBaseHTTP
import AppBaseJobs
import AppBaseMetrics
import AppBaseSQLite

/// The platform's answer to the metrics sampler (every `[metrics] sample_interval_s`): open
/// connections (read on the loop), the Argon2id queue, the recorder's per-turn overflow, and
/// each app's records, files, stored bytes and jobs by kind and state from its database.
///
/// The per-app figures come from a short-lived read-only connection, never from the app's
/// writer or readers, so a sample cannot queue behind (or in front of) a request:
/// `count(*)` over `records` and `storage_files` walks their smallest index, and the stored
/// bytes are one row the storage triggers keep current (`storage_usage`, scope `app`).
struct PlatformMetricsSource: MetricsSampleSource {
    let server: HTTPServer
    let hashPool: BlockingWorkPool
    let recorder: RequestRecorder
    let dataRoot: String
    /// The apps serving now.
    let apps: @Sendable () -> [String]
    /// `data/master.sqlite`, for the master queue's job counts.
    let masterDatabasePath: String

    func metricsSample() async -> MetricsSample {
        var sample = MetricsSample(openConnections: await server.connectionCount(), hashQueueDepth: hashPool.inFlight,
                                   requestSummariesDropped: recorder.droppedInTurn)
        if let connection = try? SQLiteConnection(path: masterDatabasePath, mode: .readOnly) {
            sample.masterJobs = Self.jobCounts(connection)
        }
        for app in apps() {
            sample.apps[app] = Self.usage(databasePath: AppSupervisor.databasePath(dataRoot: dataRoot, app: app))
        }
        return sample
    }

    /// Records, files and bytes of one app; a figure that cannot be read is nil (left as it was).
    static func usage(databasePath: String) -> AppUsage {
        guard let connection = try? SQLiteConnection(path: databasePath, mode: .readOnly) else { return AppUsage() }
        func count(_ sql: String) -> Int? {
            try? connection.queryOne(sql) { Int($0.int64(0)) }
        }
        var usage = AppUsage(records: count("SELECT count(*) FROM records"), files: count("SELECT count(*) FROM storage_files"))
        usage.jobs = jobCounts(connection)
        do {
            // No row yet: nothing was ever stored.
            usage.storageBytes = try connection.queryOne("SELECT bytes FROM storage_usage WHERE scope = 'app'") { $0.int64(0) } ?? 0
        } catch {
            usage.storageBytes = nil
        }
        return usage
    }

    /// A queue's jobs by kind and state; nil when they cannot be read.
    static func jobCounts(_ connection: SQLiteConnection) -> JobCounts? {
        guard let rows = try? JobStore.counts(on: connection) else { return nil }
        var counts = JobCounts()
        for row in rows { counts.counts[JobCounts.Key(kind: row.kind, state: row.state), default: 0] += row.count }
        return counts
    }
}
