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
