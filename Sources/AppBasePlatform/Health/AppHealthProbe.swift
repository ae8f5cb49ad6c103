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

    public func probeDatabase() async throws {
        // The writer first: a hung writer thread is the fault readers cannot show.
        _ = try await writer.withConnection { connection in try connection.execute("SELECT 1") }
        // A real read of the file (not just `SELECT 1`, which never touches it).
        _ = try await readers.read { connection in
            try connection.queryOne("SELECT count(*) FROM sqlite_master") { $0.int64(0) }
        }
    }
}
