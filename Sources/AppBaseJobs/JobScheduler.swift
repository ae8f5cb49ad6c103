import AppBaseCore
import OrderedCollections
import AppBaseSQLite
import Logging
import Synchronization

/// One durable job queue — an app's (in its `app.sqlite`) or the master's (`master.sqlite`) —
/// and the loop that runs it.
///
/// The loop sleeps until the earliest due time it knows of (a queued job's `runAt` or a
/// periodic schedule's next run), kept in memory: waking finds nothing due, touches no database
/// and sleeps again; an `enqueue` or `retry` that is due sooner cuts the sleep short. A due
/// periodic run whose probe says there is nothing to do moves to its next grid point in memory
/// only, so an idle app's database is not touched at all. Due jobs
/// are claimed (`running`, one attempt more) in one write, then each runs in its own task, at
/// most `JobSettings.concurrency` at once, off the event loop and off this actor; its end is
/// recorded in a second write. A failed try is retried after the kind's backoff until its
/// attempts are used up, then the job is `failed` until `retry`. A job left `running` by a
/// process that died runs again at the next `start()` (at least once; handlers are idempotent).
///
/// Time comes from the injected `WallClock`; tests start without the loop and drive the queue
/// with `runDue()` and `waitForRunningJobs()`.
public actor JobScheduler {
    private enum State {
        case initial
        case starting
        case running(loop: Task<Void, Never>?)
        case stopping
        case stopped
    }

    /// The queue's owner, for logs: an app's name or `master`.
    public nonisolated let scope: String
    private let writer: DatabaseWriter
    private let readers: DatabaseReaders?
    private let registry: JobRegistry
    private let settings: JobSettings
    private let clock: any WallClock
    private let logger: Logger
    /// Where this queue's periodic grid starts (see `JobGrid`).
    private let offset: Int64
    /// The periodic declarations, by schedule name (probes and intervals, read at every wake).
    private let periodicByName: [String: PeriodicJob]
    private var state = State.initial
    private var inFlight: [Int64: Task<Void, Never>] = [:]
    /// When things are due, as far as this queue knows; only a time at or before now makes
    /// the loop look (and only a due job or a due schedule whose probe finds work makes it write).
    private var wake = JobWakeTimes.none
    /// The earliest due time known; nil when nothing is queued and nothing scheduled.
    private var nextWake: Int64? { wake.earliest }
    /// The loop's current sleep; cancelling it wakes the loop early.
    private var sleeper: Task<Void, Never>?
    private var claiming = false
    /// Due times noted by enqueues and retries while a write that reads the next due time was in
    /// flight: that read may predate them, so they are merged into what it found (see `adopt`).
    private var notes: [(sequence: Int, time: Int64)] = []
    private var noteSequence = 0
    private var writesReadingWake = 0

    /// The longest sleep: the loop re-reads the clock at least this often, so a wall-clock step
    /// delays a due job by at most this much.
    public static let maximumSleepMilliseconds: Int64 = 3_600_000
    /// The built-in kind that deletes finished jobs past their retention, hourly.
    public static let pruneKind = "jobs.prune_finished"
    /// Longest `lastError` kept, in UTF-8 bytes.
    static let maximumErrorBytes = 2_000

    /// - Parameters:
    ///   - scope: the app's name, or `master`.
    ///   - readers: the database's readers; nil reads through the writer's connection.
    ///   - registry: the kinds and periodic jobs; the scheduler adds `jobs.prune_finished`.
    public init(scope: String, writer: DatabaseWriter, readers: DatabaseReaders?, registry: JobRegistry,
                settings: JobSettings, clock: any WallClock, logger: Logger) {
        var registry = registry
        registry.register(JobKind(Self.pruneKind, maxAttempts: 3)) { _ in
            let now = clock.nowMilliseconds()
            let done = now - settings.keepDoneSeconds * 1000, failed = now - settings.keepFailedSeconds * 1000
            try await writer.write { context in
                _ = try JobStore.pruneFinished(doneBefore: done, failedBefore: failed, on: context.connection)
            }
        }
        registry.every(3_600, run: Self.pruneKind)
        self.scope = scope
        self.writer = writer
        self.readers = readers
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.logger = logger
        offset = JobGrid.offset(for: scope)
        periodicByName = Dictionary(registry.periodic.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Lifecycle

    /// Brings the schedules in line with the declarations, requeues jobs a dead process left
    /// running, and (with `runLoop`) starts the loop.
    /// - Throws: SQLite errors; 503 `unavailable` when stopped meanwhile.
    public func start(runLoop: Bool = true) async throws {
        guard case .initial = state else { preconditionFailure("JobScheduler.start called twice") }
        for periodic in registry.periodic where registry.entry(periodic.kind) == nil {
            preconditionFailure("periodic job \(periodic.name) runs unregistered kind \(periodic.kind)")
        }
        state = .starting
        let declared = registry.periodic.map { (name: $0.name, intervalMs: $0.intervalSeconds * 1000) }
        let now = clock.nowMilliseconds(), offset = self.offset
        let (recovered, wake) = try await writer.write { context in
            try JobStore.syncSchedules(declared, now: now, offset: offset, on: context.connection)
            let recovered = try JobStore.recoverInterrupted(now: now, on: context.connection)
            return (recovered, try JobStore.wakeTimes(on: context.connection))
        }
        guard case .starting = state else { throw Self.unavailable }
        if recovered > 0 { logger.notice("jobs: \(recovered) job(s) interrupted by the last stop will run again") }
        self.wake = wake
        state = .running(loop: runLoop ? Task { await self.loop() } : nil)
    }

    /// Stops the loop and cancels running jobs, waiting for them: a job that ends by cancellation
    /// is queued again without counting the try; one that finishes anyway is recorded. Call
    /// before the database closes.
    public func stop() async {
        guard case .running(let loop) = state else {
            state = .stopped
            return
        }
        state = .stopping
        loop?.cancel()
        sleeper?.cancel()
        let tasks = Array(inFlight.values)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await loop?.value
        state = .stopped
    }

    // MARK: Messages

    /// Queues a job of `kind`, due at `runAt` (default now).
    /// - Throws: 400 `bad_request` for an unregistered kind; 503 `unavailable` unless running;
    ///   SQLite errors.
    @discardableResult
    public func enqueue(_ kind: String, payload: JSONValue = .object([:]), runAt: Int64? = nil) async throws -> Job {
        guard let entry = registry.entry(kind) else { throw AppBaseError.badRequest("Unknown job kind \(kind).") }
        guard case .running = state else { throw Self.unavailable }
        let now = clock.nowMilliseconds()
        let text = String(decoding: payload.serialized(), as: UTF8.self)
        let maxAttempts = entry.kind.maxAttempts
        let job = try await writer.write { context in
            try JobStore.insert(kind: kind, payload: text, runAt: runAt ?? now, maxAttempts: maxAttempts, schedule: nil,
                                now: now, on: context.connection)
        }
        note(due: job.runAt)
        return job
    }

    /// `failed → queued`, due now, with fresh attempts.
    /// - Throws: 404 when there is no such job; 409 `conflict` when it is not failed; 503 unless running.
    public func retry(_ id: Int64) async throws -> Job {
        guard case .running = state else { throw Self.unavailable }
        let now = clock.nowMilliseconds()
        guard let job = try await writer.write({ context in try JobStore.retry(id, now: now, on: context.connection) }) else {
            throw AppBaseError.notFound("Job not found.")
        }
        note(due: job.runAt)
        return job
    }

    /// A page of jobs, newest first (ids below `before`).
    public nonisolated func list(state: JobState?, kind: String?, before: Int64?, limit: Int) async throws -> [Job] {
        try await read { try JobStore.list(state: state, kind: kind, before: before, limit: limit, on: $0) }
    }

    /// One job, or nil.
    public nonisolated func job(_ id: Int64) async throws -> Job? {
        try await read { try JobStore.job(id, on: $0) }
    }

    /// The registered kinds (the built-in one included).
    public nonisolated var kinds: [String] { registry.kinds }

    /// Claims what is due now (up to the free slots) and starts it; returns how many started.
    /// Touches the database only when something is due by the in-memory clock of due times,
    /// and writes only when a due job or a due schedule whose probe finds work is among it.
    @discardableResult
    public func runDue() async -> Int {
        guard case .running = state, !claiming else { return 0 }
        let now = clock.nowMilliseconds()
        guard let earliest = nextWake, earliest <= now else { return 0 }
        let free = settings.concurrency - inFlight.count
        guard free > 0 else { return 0 }
        let idle = idleSchedules(dueAt: now)
        if !wake.jobDue(at: now), wake.schedulesDue(at: now).allSatisfy(idle.contains) {
            // Only schedules with nothing to do are due: move them on here, write nothing. The
            // stored next run stays behind; the next write (or start) brings it forward.
            for name in idle { wake.schedules[name] = nextGridPoint(of: name, after: now) }
            return 0
        }
        // Stored next runs lag behind the ones moved on in memory; only these are due.
        let runnable = Set(wake.schedulesDue(at: now)).subtracting(idle)
        claiming = true
        defer { claiming = false }
        let declared = periodicRuns
        let offset = self.offset
        let mark = beginWakeRead()
        do {
            let (claimed, next) = try await writer.write { context in
                let connection = context.connection
                for schedule in try JobStore.dueSchedules(now: now, on: connection) {
                    // Advanced whether or not a run is added: a schedule whose last run is still
                    // pending (or whose probe found nothing to do) skips this one rather than
                    // stacking runs up.
                    try JobStore.advanceSchedule(schedule.name, to: JobGrid.next(after: now, interval: schedule.interval, offset: offset),
                                                 on: connection)
                    guard runnable.contains(schedule.name), let job = declared[schedule.name],
                          try !JobStore.schedulePending(schedule.name, on: connection) else { continue }
                    _ = try JobStore.insert(kind: job.kind, payload: job.payload, runAt: schedule.due, maxAttempts: job.maxAttempts,
                                            schedule: schedule.name, now: now, on: connection)
                }
                let claimed = try JobStore.claimDue(now: now, limit: free, on: connection)
                return (claimed, try JobStore.wakeTimes(on: connection))
            }
            adopt(next, notedAfter: mark)
            guard case .running = state else {
                // Stopped while claiming: give the claims back untried.
                for job in claimed { await record(job, .released) }
                return 0
            }
            for job in claimed { launch(job) }
            return claimed.count
        } catch {
            endWakeRead()
            logger.warning("jobs(\(scope)): claiming due jobs failed: \(error)")
            // Try again in a second rather than at once: the database may be closing.
            let retryAt = now + 1_000
            if wake.jobDue(at: now) { wake.queued = retryAt }
            for name in wake.schedulesDue(at: now) { wake.schedules[name] = retryAt }
            return 0
        }
    }

    /// Returns once no job is running (tests; jobs started meanwhile are waited for too).
    public func waitForRunningJobs() async {
        while let task = inFlight.values.first { await task.value }
    }

    /// Jobs running now.
    public var runningCount: Int { inFlight.count }

    /// The schedules due at `now` whose probe says their run would find nothing to do.
    private func idleSchedules(dueAt now: Int64) -> Set<String> {
        var idle: Set<String> = []
        for name in wake.schedulesDue(at: now) {
            if let probe = periodicByName[name]?.probe, !probe(now) { idle.insert(name) }
        }
        return idle
    }

    /// A schedule's next point on this queue's grid after `now`.
    private func nextGridPoint(of name: String, after now: Int64) -> Int64 {
        let interval = (periodicByName[name]?.intervalSeconds ?? 1) * 1000
        return JobGrid.next(after: now, interval: interval, offset: offset)
    }


    /// What a periodic schedule queues when due, by schedule name.
    private var periodicRuns: [String: (kind: String, payload: String, maxAttempts: Int)] {
        var runs: [String: (kind: String, payload: String, maxAttempts: Int)] = [:]
        for periodic in registry.periodic {
            runs[periodic.name] = (periodic.kind, String(decoding: periodic.payload.serialized(), as: UTF8.self),
                                   registry.entry(periodic.kind)?.kind.maxAttempts ?? 1)
        }
        return runs
    }

    // MARK: Running jobs

    private func launch(_ job: Job) {
        let entry = registry.entry(job.kind)
        let context = JobContext(id: job.id, kind: job.kind, payload: job.payloadValue, attempt: job.attempts, schedule: job.schedule)
        inFlight[job.id] = Task {
            let result = await Self.run(entry?.handler, context, timeout: entry?.kind.timeout)
            await self.finished(job, result, kind: entry?.kind)
        }
    }

    /// Runs the handler for at most `timeout` (see `JobKind.timeout`). The handler runs in a task
    /// of its own, raced against a timer: whichever ends first decides the try; cancelling the
    /// caller (a stop) cancels the handler and waits for its answer.
    private static func run(_ handler: JobHandler?, _ context: JobContext, timeout: Duration?) async -> Result<Void, any Error> {
        guard let handler, let timeout else { return await run(handler, context) }
        let work = Task { await run(handler, context) }
        let race = JobRace()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.arm(continuation)
                let timer = Task {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    work.cancel()
                    race.settle(.failure(JobError.timedOut(timeout)))
                }
                Task {
                    let result = await work.value
                    timer.cancel()
                    race.settle(result)
                }
            }
        } onCancel: {
            work.cancel()
        }
    }

    /// Runs the handler off this actor (a nonisolated async function runs on the global executor).
    private static func run(_ handler: JobHandler?, _ context: JobContext) async -> Result<Void, any Error> {
        guard let handler else { return .failure(JobError.unknownKind(context.kind)) }
        do {
            try await handler(context)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func finished(_ job: Job, _ result: Result<Void, any Error>, kind: JobKind?) async {
        let now = clock.nowMilliseconds()
        let outcome: JobStore.Outcome
        switch result {
        case .success:
            outcome = .done
        case .failure(let error) where error is CancellationError && Self.isStopping(state):
            outcome = .released
        case .failure(let error):
            let text = Self.describe(error)
            if let kind, job.attempts < job.maxAttempts {
                let at = now + kind.backoff.delay(afterAttempt: job.attempts)
                outcome = .retry(at: at, error: text)
                logger.warning("jobs(\(scope)): \(job.kind) #\(job.id) try \(job.attempts)/\(job.maxAttempts) failed, retry at \(at): \(text)")
            } else {
                outcome = .failed(error: text)
                logger.error("jobs(\(scope)): \(job.kind) #\(job.id) failed after \(job.attempts) tries: \(text)")
            }
        }
        await record(job, outcome)
        inFlight[job.id] = nil
        // A slot is free (and a retry may be due): wake the loop to look.
        sleeper?.cancel()
    }

    private func record(_ job: Job, _ outcome: JobStore.Outcome) async {
        let now = clock.nowMilliseconds()
        let mark = beginWakeRead()
        do {
            let next = try await writer.write { context in
                try JobStore.finish(job, outcome, now: now, on: context.connection)
                return try JobStore.wakeTimes(on: context.connection)
            }
            adopt(next, notedAfter: mark)
        } catch {
            endWakeRead()
            // The row stays `running`: the next start requeues it (at least once).
            logger.error("jobs(\(scope)): recording the end of \(job.kind) #\(job.id) failed: \(error)")
        }
    }

    // MARK: The loop

    private func loop() async {
        while case .running = state, !Task.isCancelled {
            await runDue()
            let delay = sleepDelay(now: clock.nowMilliseconds())
            let sleep = Task { _ = try? await Task.sleep(for: .milliseconds(delay)) }
            sleeper = sleep
            await sleep.value
            sleeper = nil
        }
    }

    /// How long the loop sleeps: until the next due time, or the maximum when nothing is due or
    /// every slot is taken (a finishing job wakes it). Never zero: a due time already past with
    /// a free slot means another claim is in flight, which ends soon.
    func sleepDelay(now: Int64) -> Int64 {
        guard inFlight.count < settings.concurrency, let wake = nextWake else { return Self.maximumSleepMilliseconds }
        return min(Self.maximumSleepMilliseconds, max(50, wake - now))
    }

    // MARK: The next due time

    private func note(due time: Int64) {
        if writesReadingWake > 0 {
            noteSequence += 1
            notes.append((noteSequence, time))
        }
        let wasEarliest = nextWake
        wake.queued = min(wake.queued ?? time, time)
        if wasEarliest.map({ time < $0 }) ?? true { sleeper?.cancel() }
    }

    private func beginWakeRead() -> Int {
        writesReadingWake += 1
        return noteSequence
    }

    private func endWakeRead() {
        writesReadingWake -= 1
        if writesReadingWake == 0 { notes.removeAll() }
    }

    /// Takes the due times a write read, merged with the jobs noted since that write began (an
    /// earlier time than needed costs one idle look at the database; a later one would lose a
    /// job). Schedules a probe moved on in memory meanwhile keep the later of the two times.
    private func adopt(_ read: JobWakeTimes, notedAfter mark: Int) {
        var next = read
        for note in notes where note.sequence > mark { next.queued = min(next.queued ?? note.time, note.time) }
        for (name, time) in next.schedules {
            if let known = wake.schedules[name], known > time { next.schedules[name] = known }
        }
        wake = next
        endWakeRead()
    }

    // MARK: Helpers

    private nonisolated func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if let readers { return try await readers.read(body) }
        return try await writer.withConnection(body)
    }

    private static func isStopping(_ state: State) -> Bool {
        if case .stopping = state { return true }
        return false
    }

    static func describe(_ error: any Error) -> String {
        let text: String
        if let error = error as? AppBaseError { text = "\(error.code.rawValue): \(error.message)" } else { text = String(describing: error) }
        guard text.utf8.count > maximumErrorBytes else { return text }
        return String(decoding: text.utf8.prefix(maximumErrorBytes), as: UTF8.self)
    }

    private static let unavailable = AppBaseError(status: 503, code: .unavailable, message: "The job queue is not running.")
}

/// Why a job could not run at all.
enum JobError: Error, CustomStringConvertible {
    /// A job of a kind no handler is registered for (left by an older version, or a removed feature).
    case unknownKind(String)
    /// A try that ran past its kind's `timeout`.
    case timedOut(Duration)

    var description: String {
        switch self {
        case .unknownKind(let kind): return "no handler is registered for job kind \(kind)"
        case .timedOut(let limit): return "timed out after \(limit) (the limit of its kind)"
        }
    }
}

/// The first of a job's answer and its timer settles the try; the other is ignored.
final class JobRace: Sendable {
    private let continuation = Mutex<CheckedContinuation<Result<Void, any Error>, Never>?>(nil)

    func arm(_ continuation: CheckedContinuation<Result<Void, any Error>, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func settle(_ result: Result<Void, any Error>) {
        continuation.withLock { continuation in
            continuation?.resume(returning: result)
            continuation = nil
        }
    }
}
