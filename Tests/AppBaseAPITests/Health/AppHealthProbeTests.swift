import AppBaseCore
import AppBaseHTTP
import AppBasePlatform
import AppBaseSQLite
import AppBaseTestSupport
import Dispatch
import Testing

/// The database probe against a real writer: it never keeps an idle writer's thread alive
/// (ADR 0024), and it still names a writer stuck in one job.
@Suite struct AppHealthProbeTests {
    /// Answers every request 200; the router probe is not what these tests look at.
    struct AlwaysHealthy: HTTPDispatcher {
        func dispatch(_ request: HTTPRequest) -> DispatchDecision { .respond(HTTPResponse(status: 200)) }
        func decorate(_ response: inout HTTPResponse, for request: HTTPRequest) {}
    }

    static func open(idleTimeout: Duration) async throws -> (String, DatabaseWriter, DatabaseReaders) {
        let directory = try TemporaryDirectory.make(prefix: "probe")
        let path = "\(directory)/app.sqlite"
        let writer = try await DatabaseWriter.open(path: path, pragmas: ["PRAGMA journal_mode=WAL"], migrations: [],
                                                   idleTimeout: idleTimeout)
        let readers = try await DatabaseReaders.open(path: path, count: 1, pragmas: [], idleTimeout: idleTimeout)
        return (directory, writer, readers)
    }

    @Test func probingEveryFewMillisecondsLetsAnIdleWriterThreadEnd() async throws {
        let (directory, writer, readers) = try await Self.open(idleTimeout: .milliseconds(200))
        defer { TemporaryDirectory.remove(directory) }
        let probe = AppHealthProbe(app: "probe", generation: 1, router: AlwaysHealthy(), writer: writer, readers: readers)
        // The write starts the writer's thread (it may already have ended again on a loaded machine).
        try await writer.write { context in try context.connection.execute("CREATE TABLE t (x)") }
        // Probes far more often than the idle timeout: a probe that queued work on the writer
        // would restart its idle clock every time, and the thread would never end.
        let ended = try await eventually(timeout: .seconds(20), interval: .milliseconds(20)) {
            try await probe.probeDatabase(stuckAfter: .seconds(1))
            return !writer.hasThread
        }
        #expect(ended)
        await readers.close()
        await writer.close()
    }

    /// The production limit: half of `[health] timeout_ms`'s default.
    static let stuckAfter = Duration.milliseconds(500)

    @Test func aLongJobThatKeepsWorkingIsNotStuck() async throws {
        let (directory, writer, readers) = try await Self.open(idleTimeout: .seconds(5))
        defer { TemporaryDirectory.remove(directory) }
        let probe = AppHealthProbe(app: "probe", generation: 1, router: AlwaysHealthy(), writer: writer, readers: readers)
        let (started, signalStarted) = AsyncStream<Void>.makeStream()
        // One job that runs SQL for three times the limit, whatever the machine's speed.
        let span = Self.stuckAfter * 3
        let long = Task {
            try await writer.withConnection { connection in
                signalStarted.yield()
                let end = ContinuousClock.now + span
                var queries = 0
                while ContinuousClock.now < end {
                    _ = try connection.queryOne("""
                        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT count(*) FROM c
                        """) { $0.int64(0) }
                    queries += 1
                }
                return queries
            }
        }
        for await _ in started { break }
        var failures: [String] = []
        while writer.currentJobDuration != nil {
            do { try await probe.probeDatabase(stuckAfter: Self.stuckAfter) } catch { failures.append("\(error)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await long.value > 0)
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        await readers.close()
        await writer.close()
    }

    @Test func aWriterWaitingForAnotherConnectionsLockIsNotStuck() async throws {
        let (directory, writer, readers) = try await Self.open(idleTimeout: .seconds(5))
        defer { TemporaryDirectory.remove(directory) }
        try await writer.write { context in try context.connection.execute("CREATE TABLE t (x)") }
        let probe = AppHealthProbe(app: "probe", generation: 1, router: AlwaysHealthy(), writer: writer, readers: readers)
        // Another connection (a backup's snapshot, the CLI) holds the write lock for a while.
        let other = try SQLiteConnection(path: "\(directory)/app.sqlite", mode: .readWrite)
        try other.execute("BEGIN IMMEDIATE")
        let write = Task { try await writer.write { context in _ = try context.connection.run("INSERT INTO t VALUES (1)") } }
        // Probed for three times the limit once the write is waiting (within the 5 s busy limit).
        let waiting = await eventually(timeout: .seconds(20), interval: .milliseconds(10)) { writer.currentJobDuration != nil }
        let deadline = ContinuousClock.now + Self.stuckAfter * 3
        var failures: [String] = []
        while ContinuousClock.now < deadline {
            do { try await probe.probeDatabase(stuckAfter: Self.stuckAfter) } catch { failures.append("\(error)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let stillWaiting = writer.currentJobDuration != nil
        try other.execute("COMMIT")
        try await write.value
        #expect(waiting && stillWaiting, "the write waited on the lock all along")
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        await readers.close()
        await writer.close()
    }

    @Test func aWriterBlockedInOneJobIsReportedAsStuck() async throws {
        let (directory, writer, readers) = try await Self.open(idleTimeout: .seconds(5))
        defer { TemporaryDirectory.remove(directory) }
        let probe = AppHealthProbe(app: "probe", generation: 1, router: AlwaysHealthy(), writer: writer, readers: readers)
        let release = DispatchSemaphore(value: 0)
        let (started, signalStarted) = AsyncStream<Void>.makeStream()
        let blocked = Task {
            try await writer.withConnection { _ in
                signalStarted.yield()
                _ = release.wait(timeout: .now() + .seconds(60))
            }
        }
        for await _ in started { break }
        // Passes while the job is younger than the limit; fails, naming the writer, once it is older.
        let reported = await eventually(timeout: .seconds(20), interval: .milliseconds(20)) {
            do {
                try await probe.probeDatabase(stuckAfter: .milliseconds(100))
                return false
            } catch {
                return String(describing: error).contains("stuck in one job")
            }
        }
        #expect(reported)
        release.signal()
        try await blocked.value
        // Once the job has ended the writer is healthy again.
        try await probe.probeDatabase(stuckAfter: .milliseconds(100))
        await readers.close()
        await writer.close()
    }
}
