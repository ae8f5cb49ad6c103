import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Synchronization
import Testing
@testable import AppBaseJobs

/// The queue's semantics with an injected clock: no test waits for real time to pass.
@Suite("Job scheduler")
struct JobSchedulerTests {
    @Test("a failing job is retried after 1 s, 2 s, then fails with its last error once its attempts are used up")
    func retriesWithBackoff() async throws {
        let tries = Atomic<Int>(0)
        let queue = try await JobTestQueue.open { registry in
            registry.register(JobKind("flaky", maxAttempts: 3, backoff: JobBackoff(initialMilliseconds: 1_000))) { _ in
                tries.add(1, ordering: .relaxed)
                throw DeliberateFailure()
            }
        }
        let job = try await queue.scheduler.enqueue("flaky", payload: ["n": 1])
        #expect(await queue.drain() == 1)
        var stored = try await queue.job(job.id)
        #expect(stored.state == .queued && stored.attempts == 1 && stored.lastError == "deliberate failure")
        #expect(stored.runAt == queue.clock.nowMilliseconds() + 1_000)

        queue.clock.advance(milliseconds: 999)
        #expect(await queue.drain() == 0, "not due before its backoff")
        queue.clock.advance(milliseconds: 1)
        #expect(await queue.drain() == 1)
        stored = try await queue.job(job.id)
        #expect(stored.attempts == 2 && stored.runAt == queue.clock.nowMilliseconds() + 2_000, "the second wait doubles")

        queue.clock.advance(milliseconds: 2_000)
        #expect(await queue.drain() == 1)
        stored = try await queue.job(job.id)
        #expect(stored.state == .failed && stored.attempts == 3 && stored.lastError == "deliberate failure")
        queue.clock.advance(seconds: 86_400)
        await queue.drain()
        #expect(tries.load(ordering: .relaxed) == 3, "a failed job stays failed")
        #expect(try await queue.job(job.id).state == .failed)
        #expect(stored.payloadValue == ["n": 1])
        await queue.remove()
    }

    @Test("a job that fails once and then succeeds ends done")
    func succeedsOnRetry() async throws {
        let tries = Atomic<Int>(0)
        let queue = try await JobTestQueue.open { registry in
            registry.register(JobKind("once")) { _ in
                if tries.add(1, ordering: .relaxed).newValue == 1 { throw DeliberateFailure() }
            }
        }
        let job = try await queue.scheduler.enqueue("once")
        await queue.drain()
        queue.clock.advance(seconds: 1)
        await queue.drain()
        let stored = try await queue.job(job.id)
        #expect(stored.state == .done && stored.attempts == 2)
        await queue.remove()
    }

    @Test("a failing job does not hold up the others: they run while it waits for its retry")
    func failingJobDoesNotBlock() async throws {
        let ran = EventLog()
        var settings = JobSettings()
        settings.concurrency = 1
        let queue = try await JobTestQueue.open(settings: settings) { registry in
            registry.register(JobKind("bad", maxAttempts: 100, backoff: JobBackoff(initialMilliseconds: 60_000))) { _ in
                ran.record("bad")
                throw DeliberateFailure()
            }
            registry.register(JobKind("good")) { context in ran.record("good \(context.payload["n"]?.intValue ?? -1)") }
        }
        let bad = try await queue.scheduler.enqueue("bad")
        for n in 1...3 { try await queue.scheduler.enqueue("good", payload: ["n": .int(Int64(n))]) }
        for _ in 0..<4 { await queue.drain() }
        #expect(ran.events == ["bad", "good 1", "good 2", "good 3"])
        #expect(try await queue.job(bad.id).state == .queued)
        await queue.remove()
    }

    @Test("a slow job holds one slot; another job runs and finishes meanwhile")
    func slowJobDoesNotBlock() async throws {
        let gate = Gate()
        let ran = EventLog()
        let queue = try await JobTestQueue.open { registry in
            registry.register(JobKind("slow")) { _ in
                ran.record("slow started")
                await gate.wait()
            }
            registry.register(JobKind("quick")) { _ in ran.record("quick") }
        }
        let slow = try await queue.scheduler.enqueue("slow")
        let quick = try await queue.scheduler.enqueue("quick")
        #expect(await queue.scheduler.runDue() == 2)
        #expect(await ran.wait(for: "quick"))
        #expect(await eventually { (try? await queue.scheduler.job(quick.id))??.state == .done })
        #expect(try await queue.job(slow.id).state == .running)
        gate.open()
        await queue.scheduler.waitForRunningJobs()
        #expect(try await queue.job(slow.id).state == .done)
        await queue.remove()
    }

    @Test("periodic jobs run on their grid, keep one done row, and keep their schedule across a restart")
    func periodicJobs() async throws {
        let ticks = Atomic<Int>(0)
        let register: (inout JobRegistry) -> Void = { registry in
            registry.register(JobKind("tick")) { _ in ticks.add(1, ordering: .relaxed) }
            registry.every(60, run: "tick")
        }
        let clock = ManualWallClock()
        var queue = try await JobTestQueue.open(clock: clock, register)
        let first = try #require(try await nextRun(of: "tick", in: queue))
        #expect(first > clock.nowMilliseconds() && first <= clock.nowMilliseconds() + 60_000)
        #expect(await queue.drain() == 0, "nothing runs before the first interval")

        clock.advance(milliseconds: first - clock.nowMilliseconds())
        #expect(await queue.drain() == 1)
        #expect(try await nextRun(of: "tick", in: queue) == first + 60_000)
        clock.advance(seconds: 60)
        #expect(await queue.drain() == 1)
        #expect(ticks.load(ordering: .relaxed) == 2)
        let done = try await queue.scheduler.list(state: .done, kind: "tick", before: nil, limit: 10)
        #expect(done.count == 1 && done.first?.schedule == "tick", "a schedule keeps its latest successful run only")

        // A restart half-way to the next run keeps that run's time.
        clock.advance(seconds: 30)
        await queue.close()
        queue = try await JobTestQueue.open(in: queue.directory, clock: clock, register)
        #expect(try await nextRun(of: "tick", in: queue) == first + 120_000)
        #expect(await queue.drain() == 0)
        clock.advance(seconds: 30)
        #expect(await queue.drain() == 1)

        // Down for ten intervals: one run on return, not ten.
        clock.advance(seconds: 600)
        #expect(await queue.drain() == 1)
        #expect(await queue.drain() == 0)
        #expect(ticks.load(ordering: .relaxed) == 4)
        await queue.remove()
    }

    @Test("a job running when its process died runs again after the database is reopened")
    func interruptedJobRunsAgain() async throws {
        let gate = Gate()
        let attempts = EventLog()
        let register: (inout JobRegistry) -> Void = { registry in
            registry.register(JobKind("resumable")) { context in
                attempts.record("try \(context.attempt)")
                if context.attempt == 1 { await gate.wait() }
            }
        }
        let clock = ManualWallClock()
        let first = try await JobTestQueue.open(clock: clock, register)
        let job = try await first.scheduler.enqueue("resumable")
        #expect(await first.scheduler.runDue() == 1)
        #expect(await attempts.wait(for: "try 1"))
        // The "crash": the database closes under the running job and its scheduler is abandoned,
        // never stopped, so nothing records the job's end.
        await first.database.close()
        gate.open()
        await first.scheduler.waitForRunningJobs()

        let second = try await JobTestQueue.open(in: first.directory, clock: clock, register)
        let requeued = try await second.job(job.id)
        #expect(requeued.state == .queued && requeued.lastError?.hasPrefix("interrupted") == true)
        #expect(await second.drain() == 1)
        #expect(attempts.events == ["try 1", "try 2"])
        #expect(try await second.job(job.id).state == .done)
        await second.remove()
    }

    @Test("a job interrupted on its last try fails instead of running again")
    func interruptedOnLastTry() async throws {
        let gate = Gate()
        let register: (inout JobRegistry) -> Void = { registry in
            registry.register(JobKind("once", maxAttempts: 1)) { _ in await gate.wait() }
        }
        let first = try await JobTestQueue.open(register)
        let job = try await first.scheduler.enqueue("once")
        #expect(await first.scheduler.runDue() == 1)
        await first.database.close()
        gate.open()
        await first.scheduler.waitForRunningJobs()
        let second = try await JobTestQueue.open(in: first.directory, register)
        #expect(try await second.job(job.id).state == .failed)
        await second.remove()
    }

    @Test("stopping cancels a running job and queues it again without counting the try")
    func stopReleasesRunningJob() async throws {
        let started = EventLog()
        let queue = try await JobTestQueue.open { registry in
            registry.register(JobKind("long")) { _ in
                started.record("started")
                try await Task.sleep(for: .seconds(600))
            }
        }
        let job = try await queue.scheduler.enqueue("long")
        await queue.scheduler.runDue()
        #expect(await started.wait(for: "started"))
        await queue.scheduler.stop()
        let stored = try #require(try await queue.database.readers.read { try JobStore.job(job.id, on: $0) })
        #expect(stored.state == .queued && stored.attempts == 0)
        await queue.database.close()
        TemporaryDirectory.remove(queue.directory)
    }

    @Test("an idle queue touches no database: nothing due, no write")
    func idleQueueStaysIdle() async throws {
        let queue = try await JobTestQueue.open { registry in
            registry.register(JobKind("tick")) { _ in }
            registry.every(60, run: "tick")
        }
        let commits = queue.database.writer.commitCount
        let next = try #require(try await nextRun(of: "tick", in: queue))
        // Five looks before the first run is due.
        let step = max(1, (next - queue.clock.nowMilliseconds() - 1) / 5)
        for _ in 0..<5 where queue.clock.nowMilliseconds() + step < next {
            queue.clock.advance(milliseconds: step)
            #expect(await queue.drain() == 0)
        }
        #expect(queue.database.writer.commitCount == commits)
        let delay = await queue.scheduler.sleepDelay(now: queue.clock.nowMilliseconds())
        #expect(delay == max(50, next - queue.clock.nowMilliseconds()), "the loop sleeps until the next run, not a polling tick")
        await queue.remove()
    }

    @Test("a periodic run whose probe finds nothing to do is skipped without a write, and runs once the probe finds work")
    func probeSkipsIdleRuns() async throws {
        let ticks = Atomic<Int>(0), hasWork = Atomic<Bool>(false), probed = Atomic<Int>(0)
        let queue = try await JobTestQueue.open { registry in
            registry.register(JobKind("tick")) { _ in ticks.add(1, ordering: .relaxed) }
            registry.every(60, run: "tick", when: { _ in
                probed.add(1, ordering: .relaxed)
                return hasWork.load(ordering: .relaxed)
            })
            registry.register(JobKind("plain")) { _ in }
        }
        let first = try #require(try await nextRun(of: "tick", in: queue))
        let commits = queue.database.writer.commitCount

        // Three due runs with nothing to do: probed each time, no job, no commit.
        queue.clock.advance(milliseconds: first - queue.clock.nowMilliseconds())
        for _ in 0..<3 {
            #expect(await queue.drain() == 0)
            #expect(await queue.scheduler.sleepDelay(now: queue.clock.nowMilliseconds()) > 50, "moved on, not spinning")
            queue.clock.advance(seconds: 60)
        }
        #expect(probed.load(ordering: .relaxed) == 3)
        #expect(queue.database.writer.commitCount == commits, "skipped runs write nothing")
        #expect(try await queue.scheduler.list(state: nil, kind: "tick", before: nil, limit: 10).isEmpty)

        // A write for another job while the schedule's stored time lags: the skipped schedule
        // is brought forward in that write but gets no run.
        try await queue.scheduler.enqueue("plain")
        #expect(await queue.drain() == 1)
        #expect(ticks.load(ordering: .relaxed) == 0)
        let stored = try #require(try await nextRun(of: "tick", in: queue))
        #expect(stored > queue.clock.nowMilliseconds(), "the stored next run caught up with the one kept in memory")

        // Work appears: the next due run happens.
        hasWork.store(true, ordering: .relaxed)
        queue.clock.advance(milliseconds: stored - queue.clock.nowMilliseconds())
        #expect(await queue.drain() == 1)
        #expect(ticks.load(ordering: .relaxed) == 1)
        await queue.remove()
    }

    @Test("a skipped schedule's stale stored time runs it at once after a restart only if its probe finds work")
    func probeAfterRestart() async throws {
        let ticks = Atomic<Int>(0), hasWork = Atomic<Bool>(false)
        let register: (inout JobRegistry) -> Void = { registry in
            registry.register(JobKind("tick")) { _ in ticks.add(1, ordering: .relaxed) }
            registry.every(60, run: "tick", when: { _ in hasWork.load(ordering: .relaxed) })
        }
        let clock = ManualWallClock()
        var queue = try await JobTestQueue.open(clock: clock, register)
        let first = try #require(try await nextRun(of: "tick", in: queue))
        clock.advance(milliseconds: first - clock.nowMilliseconds() + 90_000)
        #expect(await queue.drain() == 0)
        await queue.close()
        queue = try await JobTestQueue.open(in: queue.directory, clock: clock, register)
        #expect(await queue.drain() == 0, "still nothing to do after the restart")
        hasWork.store(true, ordering: .relaxed)
        clock.advance(seconds: 60)
        #expect(await queue.drain() == 1)
        #expect(ticks.load(ordering: .relaxed) == 1)
        await queue.remove()
    }

    @Test("a try past its kind's timeout is cancelled, fails with 'timed out' and is retried; its slot is free at once")
    func timeoutCancelsAndRetries() async throws {
        let cancelled = Atomic<Int>(0), quick = Atomic<Int>(0)
        var settings = JobSettings()
        settings.concurrency = 1
        let queue = try await JobTestQueue.open(settings: settings) { registry in
            registry.register(JobKind("slow", maxAttempts: 2, timeout: .milliseconds(100))) { _ in
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    cancelled.add(1, ordering: .relaxed)
                    throw error
                }
            }
            registry.register(JobKind("quick")) { _ in quick.add(1, ordering: .relaxed) }
        }
        let slow = try await queue.scheduler.enqueue("slow")
        try await queue.scheduler.enqueue("quick", runAt: queue.clock.nowMilliseconds() + 1)
        #expect(await queue.drain() == 1)
        let first = try await queue.job(slow.id)
        #expect(first.state == .queued && first.attempts == 1)
        #expect(first.lastError?.contains("timed out") == true, "\(String(describing: first.lastError))")
        #expect(await queue.scheduler.runningCount == 0)
        let handlerSawCancellation = await eventually(timeout: .seconds(20)) { cancelled.load(ordering: .relaxed) == 1 }
        #expect(handlerSawCancellation)
        // The only slot is free: the next job runs.
        queue.clock.advance(milliseconds: 1)
        #expect(await queue.drain() >= 1)
        #expect(quick.load(ordering: .relaxed) == 1)
        await queue.remove()
    }

    @Test("the loop sleeps until an enqueue wakes it (real clock)")
    func enqueueWakesTheLoop() async throws {
        let ran = EventLog()
        let directory = try TemporaryDirectory.make(prefix: "appbase-jobs")
        let database = try await TestDatabase.open(in: directory, migrations: [JobSchema.migrationSet])
        var registry = JobRegistry()
        registry.register(JobKind("ping")) { _ in ran.record("ping") }
        let scheduler = JobScheduler(scope: "loop", writer: database.writer, readers: database.readers, registry: registry,
                                     settings: JobSettings(), clock: SystemWallClock(), logger: JobTestQueue.silent)
        try await scheduler.start()
        try await scheduler.enqueue("ping")
        #expect(await ran.wait(for: "ping"))
        await scheduler.stop()
        await database.close()
        TemporaryDirectory.remove(directory)
    }

    @Test("retry: failed → queued with fresh attempts; anything else is a conflict; unknown ids are 404")
    func retry() async throws {
        let queue = try await JobTestQueue.open { registry in
            registry.register(JobKind("doomed", maxAttempts: 1)) { _ in throw DeliberateFailure() }
        }
        let job = try await queue.scheduler.enqueue("doomed")
        await queue.drain()
        #expect(try await queue.job(job.id).state == .failed)
        let retried = try await queue.scheduler.retry(job.id)
        #expect(retried.state == .queued && retried.attempts == 0 && retried.runAt == queue.clock.nowMilliseconds())
        do {
            _ = try await queue.scheduler.retry(job.id)
            Issue.record("retrying a queued job succeeded")
        } catch let error as AppBaseError {
            #expect(error.status == 409 && error.code == .conflict)
        }
        do {
            _ = try await queue.scheduler.retry(999_999)
            Issue.record("retrying an unknown job succeeded")
        } catch let error as AppBaseError {
            #expect(error.status == 404)
        }
        await #expect(throws: AppBaseError.self) { try await queue.scheduler.enqueue("no.such.kind") }
        await queue.remove()
    }

    @Test("finished jobs are deleted after their retention by the built-in hourly job")
    func retention() async throws {
        var settings = JobSettings()
        settings.keepDoneSeconds = 3_600
        settings.keepFailedSeconds = 7_200
        let queue = try await JobTestQueue.open(settings: settings) { registry in
            registry.register(JobKind("ok")) { _ in }
            registry.register(JobKind("no", maxAttempts: 1)) { _ in throw DeliberateFailure() }
        }
        let ok = try await queue.scheduler.enqueue("ok")
        let no = try await queue.scheduler.enqueue("no")
        await queue.drain()
        // Past the next hourly prune and one hour: the done job goes, the failed one stays.
        queue.clock.advance(seconds: 3_600 + 60)
        await queue.drain()
        #expect(try await queue.scheduler.job(ok.id) == nil)
        #expect(try await queue.scheduler.job(no.id)?.state == .failed)
        queue.clock.advance(seconds: 3_600 * 2)
        await queue.drain()
        #expect(try await queue.scheduler.job(no.id) == nil)
        await queue.remove()
    }

    /// The stored next run of schedule `name`.
    private func nextRun(of name: String, in queue: JobTestQueue) async throws -> Int64? {
        try await queue.database.readers.read { connection in
            try connection.queryOne("SELECT next_run_at FROM job_schedules WHERE name = ?", [.text(name)]) { $0.int64(0) }
        }
    }
}

@Suite("Job backoff and grid")
struct JobBackoffTests {
    @Test("backoff doubles from the initial wait up to the cap, without overflow")
    func backoff() {
        let backoff = JobBackoff(initialMilliseconds: 1_000, maximumMilliseconds: 10_000)
        #expect((1...6).map(backoff.delay(afterAttempt:)) == [1_000, 2_000, 4_000, 8_000, 10_000, 10_000])
        #expect(backoff.delay(afterAttempt: 500) == 10_000)
        #expect(JobBackoff(initialMilliseconds: Int64.max / 2, maximumMilliseconds: Int64.max).delay(afterAttempt: 3) == Int64.max)
    }

    @Test("the grid's next point is strictly after now, on the interval, shifted by the offset")
    func grid() {
        #expect(JobGrid.next(after: 0, interval: 60_000, offset: 0) == 60_000)
        #expect(JobGrid.next(after: 59_999, interval: 60_000, offset: 0) == 60_000)
        #expect(JobGrid.next(after: 60_000, interval: 60_000, offset: 5) == 60_005)
        #expect(JobGrid.next(after: 60_005, interval: 60_000, offset: 5) == 120_005)
        // Intervals that divide each other meet: every hourly point is also a minute point.
        let hourly = JobGrid.next(after: 1_780_000_000_000, interval: 3_600_000, offset: 1_234)
        #expect((hourly - 1_234) % 60_000 == 0)
        let offset = JobGrid.offset(for: "notes")
        #expect((0..<60_000).contains(offset) && offset == JobGrid.offset(for: "notes"))
    }
}
