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
    /// A job running longer than `stuckAfter` counts as a hung writer. A long queue of short jobs
    /// does not: each job is timed on its own, so a write burst is never mistaken for a hang.
    public func probeDatabase(stuckAfter: Duration) async throws {
        // The writer first: a hung writer thread is the fault readers cannot show.
        if let running = writer.currentJobDuration, running > stuckAfter {
            let millis = running.components.seconds * 1000 + running.components.attoseconds / 1_000_000_000_000_000
            throw ProbeFailure(description: "the database writer has been stuck in one job for \(millis) ms")
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
