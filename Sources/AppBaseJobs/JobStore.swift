import AppBaseCore
import AppBaseSQLite

/// The queue's SQL. Every function runs on a connection the caller holds: writes inside
/// `DatabaseWriter.write`, reads on a reader (or the writer's connection where there is no reader).
public enum JobStore {
    static let columns = "id, kind, payload, state, run_at, attempts, max_attempts, last_error, schedule, created_at, updated_at"

    static func job(from row: SQLiteStatement) -> Job {
        Job(id: row.int64(0), kind: row.text(1), state: JobState(rawValue: row.text(3)) ?? .failed, payload: row.text(2),
            runAt: row.int64(4), attempts: Int(row.int64(5)), maxAttempts: Int(row.int64(6)), lastError: row.optionalText(7),
            schedule: row.optionalText(8), createdAt: row.int64(9), updatedAt: row.int64(10))
    }

    /// Inserts a queued job; returns it.
    static func insert(kind: String, payload: String, runAt: Int64, maxAttempts: Int, schedule: String?, now: Int64,
                       state: JobState = .queued, on connection: SQLiteConnection) throws -> Job {
        try connection.run("""
            INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, schedule, created_at, updated_at)
            VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)
            """, [.text(kind), .text(payload), .text(state.rawValue), .integer(runAt), .integer(Int64(maxAttempts)),
                  schedule.map(SQLiteValue.text) ?? .null, .integer(now), .integer(now)])
        let id = try connection.queryOne("SELECT last_insert_rowid()") { $0.int64(0) } ?? 0
        return Job(id: id, kind: kind, state: state, payload: payload, runAt: runAt, attempts: 0, maxAttempts: maxAttempts,
                   lastError: nil, schedule: schedule, createdAt: now, updatedAt: now)
    }

    /// After a restart: jobs left `running` by the process that died run again (at least once),
    /// unless that try was their last, then they fail. Returns how many were requeued.
    static func recoverInterrupted(now: Int64, on connection: SQLiteConnection) throws -> Int {
        let message = "interrupted: the server stopped while the job ran"
        try connection.run("""
            UPDATE jobs SET state = 'failed', last_error = ?, updated_at = ?
            WHERE state = 'running' AND attempts >= max_attempts
            """, [.text(message), .integer(now)])
        return try connection.run("""
            UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?, updated_at = ? WHERE state = 'running'
            """, [.integer(now), .text(message), .integer(now)])
    }

    /// Makes `job_schedules` match the declarations: a new one first runs at the next point of
    /// its grid; an existing one keeps its next run (a restart does not reset the schedule) unless
    /// its interval shrank; undeclared ones are removed.
    static func syncSchedules(_ declared: [(name: String, intervalMs: Int64)], now: Int64, offset: Int64,
                              on connection: SQLiteConnection) throws {
        let stored = try connection.query("SELECT name, interval_ms, next_run_at FROM job_schedules") {
            (name: $0.text(0), interval: $0.int64(1), next: $0.int64(2))
        }
        var known: [String: (interval: Int64, next: Int64)] = [:]
        for row in stored { known[row.name] = (row.interval, row.next) }
        for schedule in declared {
            let first = JobGrid.next(after: now, interval: schedule.intervalMs, offset: offset)
            if let existing = known[schedule.name] {
                guard existing.interval != schedule.intervalMs else { continue }
                try connection.run("UPDATE job_schedules SET interval_ms = ?, next_run_at = ? WHERE name = ?",
                                   [.integer(schedule.intervalMs), .integer(min(existing.next, first)), .text(schedule.name)])
            } else {
                try connection.run("INSERT INTO job_schedules (name, interval_ms, next_run_at) VALUES (?, ?, ?)",
                                   [.text(schedule.name), .integer(schedule.intervalMs), .integer(first)])
            }
        }
        let names = Set(declared.map(\.name))
        for row in stored where !names.contains(row.name) {
            try connection.run("DELETE FROM job_schedules WHERE name = ?", [.text(row.name)])
        }
    }

    /// Schedules due at `now`, with the next point of their grid.
    static func dueSchedules(now: Int64, on connection: SQLiteConnection) throws -> [(name: String, interval: Int64, due: Int64)] {
        try connection.query("SELECT name, interval_ms, next_run_at FROM job_schedules WHERE next_run_at <= ?",
                             [.integer(now)]) { (name: $0.text(0), interval: $0.int64(1), due: $0.int64(2)) }
    }

    /// Moves a schedule to its next run after `now` (missed runs are skipped, not caught up).
    static func advanceSchedule(_ name: String, to next: Int64, on connection: SQLiteConnection) throws {
        try connection.run("UPDATE job_schedules SET next_run_at = ? WHERE name = ?", [.integer(next), .text(name)])
    }

    /// True while a job of `schedule` is queued or running (its next run is then skipped).
    static func schedulePending(_ schedule: String, on connection: SQLiteConnection) throws -> Bool {
        try connection.queryOne(
            "SELECT 1 FROM jobs WHERE schedule = ? AND state IN ('queued', 'running') LIMIT 1", [.text(schedule)]) { _ in true } ?? false
    }

    /// Marks up to `limit` due queued jobs `running` (one more attempt each) and returns them.
    static func claimDue(now: Int64, limit: Int, on connection: SQLiteConnection) throws -> [Job] {
        let due = try connection.query(
            "SELECT \(columns) FROM jobs WHERE state = 'queued' AND run_at <= ? ORDER BY run_at, id LIMIT ?",
            [.integer(now), .integer(Int64(limit))], row: job(from:))
        var claimed: [Job] = []
        for var job in due {
            try connection.run("UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?",
                               [.integer(now), .integer(job.id)])
            job.state = .running
            job.attempts += 1
            job.updatedAt = now
            claimed.append(job)
        }
        return claimed
    }

    /// How a try ended.
    enum Outcome: Sendable {
        case done
        case retry(at: Int64, error: String)
        case failed(error: String)
        /// Stopped by a shutdown before it finished: queued again, the try not counted.
        case released
    }

    /// Records how `job`'s try ended. A periodic job's successful run replaces the previous
    /// successful run of its schedule, so a schedule keeps one `done` row, not one per run.
    static func finish(_ job: Job, _ outcome: Outcome, now: Int64, on connection: SQLiteConnection) throws {
        let id = SQLiteValue.integer(job.id)
        switch outcome {
        case .done:
            try connection.run("UPDATE jobs SET state = 'done', updated_at = ? WHERE id = ? AND state = 'running'",
                               [.integer(now), id])
            if let schedule = job.schedule {
                try connection.run("DELETE FROM jobs WHERE schedule = ? AND state = 'done' AND id <> ?", [.text(schedule), id])
            }
        case .retry(let at, let error):
            try connection.run("""
                UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'running'
                """, [.integer(at), .text(error), .integer(now), id])
        case .failed(let error):
            try connection.run("""
                UPDATE jobs SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ? AND state = 'running'
                """, [.text(error), .integer(now), id])
        case .released:
            try connection.run("""
                UPDATE jobs SET state = 'queued', attempts = max(0, attempts - 1), run_at = ?, updated_at = ?
                WHERE id = ? AND state = 'running'
                """, [.integer(now), .integer(now), id])
        }
    }

    /// When things are due: the earliest queued job (nil when none is queued) and each
    /// schedule's next run, by name. Schedules are few (one per periodic declaration).
    static func wakeTimes(on connection: SQLiteConnection) throws -> JobWakeTimes {
        let queued: Int64?? = try connection.queryOne("SELECT min(run_at) FROM jobs WHERE state = 'queued'") { row -> Int64? in
            row.isNull(0) ? nil : row.int64(0)
        }
        var schedules: [String: Int64] = [:]
        for row in try connection.query("SELECT name, next_run_at FROM job_schedules", row: { (name: $0.text(0), next: $0.int64(1)) }) {
            schedules[row.name] = row.next
        }
        return JobWakeTimes(queued: queued ?? nil, schedules: schedules)
    }

    /// One job by id.
    public static func job(_ id: Int64, on connection: SQLiteConnection) throws -> Job? {
        try connection.queryOne("SELECT \(columns) FROM jobs WHERE id = ?", [.integer(id)], row: job(from:))
    }

    /// A page of jobs, newest first, with ids below `before`, optionally of one state and kind.
    public static func list(state: JobState?, kind: String?, before: Int64?, limit: Int,
                            on connection: SQLiteConnection) throws -> [Job] {
        var conditions: [String] = []
        var bindings: [SQLiteValue] = []
        if let state { conditions.append("state = ?"); bindings.append(.text(state.rawValue)) }
        if let kind { conditions.append("kind = ?"); bindings.append(.text(kind)) }
        if let before { conditions.append("id < ?"); bindings.append(.integer(before)) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        bindings.append(.integer(Int64(limit)))
        return try connection.query("SELECT \(columns) FROM jobs \(filter) ORDER BY id DESC LIMIT ?", bindings, row: job(from:))
    }

    /// `failed → queued`, due now, with a fresh set of attempts (the last error stays for reference).
    /// Returns the job as it now is; nil when there is no such job.
    /// - Throws: 409 `conflict` when the job is not `failed`.
    static func retry(_ id: Int64, now: Int64, on connection: SQLiteConnection) throws -> Job? {
        guard let job = try Self.job(id, on: connection) else { return nil }
        guard job.state == .failed else {
            throw AppBaseError(status: 409, code: .conflict,
                               message: "Only a failed job can be retried; this one is \(job.state.rawValue).")
        }
        try connection.run("UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE id = ?",
                           [.integer(now), .integer(now), .integer(id)])
        return try Self.job(id, on: connection)
    }

    /// Deletes `done` jobs finished before `doneBefore` and `failed` ones failed before
    /// `failedBefore`; returns how many.
    static func pruneFinished(doneBefore: Int64, failedBefore: Int64, on connection: SQLiteConnection) throws -> Int {
        try connection.run("""
            DELETE FROM jobs WHERE (state = 'done' AND updated_at < ?) OR (state = 'failed' AND updated_at < ?)
            """, [.integer(doneBefore), .integer(failedBefore)])
    }

    /// Jobs by kind and state (for `/metrics`; an aggregate over `jobs_by_kind`).
    public static func counts(on connection: SQLiteConnection) throws -> [(kind: String, state: String, count: Int)] {
        try connection.query("SELECT kind, state, count(*) FROM jobs GROUP BY kind, state") {
            (kind: $0.text(0), state: $0.text(1), count: Int($0.int64(2)))
        }
    }
}

/// The grid periodic jobs run on: multiples of their interval, shifted by a per-queue offset.
/// Every schedule of a queue with intervals that divide each other lands on the same instants,
/// so an app's database wakes once for all of them (ADR 0024), and different apps (different
/// offsets) do not all wake in the same second.
enum JobGrid {
    /// The first grid point strictly after `now`.
    static func next(after now: Int64, interval: Int64, offset: Int64) -> Int64 {
        let interval = max(1, interval)
        let shifted = now - offset
        let floor = shifted >= 0 ? shifted / interval : -((-shifted + interval - 1) / interval)
        return (floor + 1) * interval + offset
    }

    /// A queue's offset in [0, 60 s): from a hash of its name.
    static func offset(for scope: String) -> Int64 {
        var hash = FNV1a()
        hash.add(scope)
        return Int64((UInt64(hash.hexDigest, radix: 16) ?? 0) % 60_000)
    }
}
