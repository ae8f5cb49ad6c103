import AppBaseRuntime
import AppBaseSQLite

/// The `jobs` namespace: the queue (`jobs`) and the periodic schedules (`job_schedules`).
/// The same tables live in every `app.sqlite` and in `master.sqlite`.
public enum JobSchema {
    public static let namespace = "jobs"

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "queue and schedules", sql: """
            CREATE TABLE jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
                run_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                last_error TEXT,
                schedule TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            -- The scheduler's only hot query: the next due queued jobs.
            CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'queued';
            CREATE INDEX jobs_by_state ON jobs (state, id);
            CREATE INDEX jobs_by_kind ON jobs (kind, id);
            CREATE INDEX jobs_by_schedule ON jobs (schedule, state) WHERE schedule IS NOT NULL;
            CREATE TABLE job_schedules (
                name TEXT PRIMARY KEY,
                interval_ms INTEGER NOT NULL,
                next_run_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
    ]

    /// For an app's database (`AppSupervisor.migrationSets`) and the master's.
    public static let migrationSet = MigrationSet(namespace: namespace, migrations: migrations)
}
