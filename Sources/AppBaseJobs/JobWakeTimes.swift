/// When a queue next has something to do, as its scheduler keeps it in memory: the earliest
/// queued job and each periodic schedule's next run. Read from the database by every write
/// that changes them; a schedule whose probe found nothing to do moves on here only, without a
/// write (see `JobScheduler.runDue`).
struct JobWakeTimes: Sendable, Equatable {
    /// The earliest `run_at` of a queued job; nil when none is queued.
    var queued: Int64?
    /// Each schedule's next run, by schedule name.
    var schedules: [String: Int64]

    static let none = JobWakeTimes(queued: nil, schedules: [:])

    /// The earliest time anything is due; nil when nothing is queued or scheduled.
    var earliest: Int64? {
        let schedule = schedules.values.min()
        guard let queued else { return schedule }
        return min(queued, schedule ?? queued)
    }

    /// True when a queued job is due at `now`.
    func jobDue(at now: Int64) -> Bool { queued.map { $0 <= now } ?? false }

    /// The schedules due at `now`, by name.
    func schedulesDue(at now: Int64) -> [String] { schedules.filter { $0.value <= now }.map(\.key).sorted() }
}
