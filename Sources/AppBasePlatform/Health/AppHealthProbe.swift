import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite

/// The probes for one running app subtree: `GET /health` through its router, dispatched
/// in-process (no socket), and `SELECT 1` through its writer and one of its readers.
public struct AppHealthProbe: HealthProbeTarget {
    public let app: String
    public let generation: Int
    private let router: any HTTPDispatcher
    private let writer: DatabaseWriter
    private let readers: DatabaseReaders

    /// What a failed probe throws.
    struct ProbeFailure: Error, CustomStringConvertible {
        let description: String
    }

    public init(app: String, generation: Int, router: any HTTPDispatcher, writer: DatabaseWriter, readers: DatabaseReaders) {
        self.app = app
        self.generation = generation
        self.router = router
        self.writer = writer
        self.readers = readers
    }

    public func probeRouter() async throws {
        let request = HTTPRequest(methodName: "GET", path: "/health", requestID: "health-probe")
        let response: HTTPResponse
        switch router.dispatch(request) {
        case .respond(let immediate): response = immediate
        case .handle(_, let handler): response = await handler(request)
        }
        guard response.status == 200 else { throw ProbeFailure(description: "GET /health answered \(response.status)") }
    }

    /// Probes without waking an idle app or keeping it awake (ADR 0024): the writer by how long its
    /// current job has run (no work is queued on it, so an idle writer's thread still ends), and
    /// the file through the readers' inline connection, which needs no thread.
    ///
    /// A job that has gone longer than `stuckAfter` without a sign of life (SQLite stepping, or
    /// waiting for another connection's lock: `DatabaseWriter.currentJobStall`) counts as a hung
    /// writer. A long job that keeps working does not (an index built over a large table, a
    /// batch on a starved machine), nor does a long queue of short jobs: each is timed on its own.
    public func probeDatabase(stuckAfter: Duration) async throws {
        // The writer first: a hung writer thread is the fault readers cannot show.
        if let stalled = writer.currentJobStall, stalled > stuckAfter {
            let millis = stalled.components.seconds * 1000 + stalled.components.attoseconds / 1_000_000_000_000_000
            throw ProbeFailure(description: "the database writer has been stuck in one job, with no progress, for \(millis) ms")
        }
        // A real read of the file's first page (not just `SELECT 1`, which never touches it),
        // constant in cost whatever the schema's size.
        let read = try readers.readInline { connection in
            try connection.queryOne("SELECT 1 FROM sqlite_master LIMIT 1") { $0.int64(0) } ?? 0
        }
        guard read != nil else {
            throw ProbeFailure(description: "the database could not be read (closed or busy)")
        }
    }
}
