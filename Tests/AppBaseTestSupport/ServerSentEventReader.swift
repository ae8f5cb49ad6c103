import AppBaseCore

/// Reads a `text/event-stream` response event by event, over a `RawHTTPClient`: the one SSE
/// reader of the test targets (the HTTP layer's own tests feed `ServerSentEventParser` directly).
///
/// `open` sends `GET path` and reads the response head. For a 200 stream, `next` decodes the
/// chunked body as it arrives and returns one event at a time; for an error answer, `errorBody`
/// reads the JSON body. An actor: use one reader from one task at a time.
public actor ServerSentEventReader {
    /// The response head (status and header fields); the body stays unread until asked for.
    public nonisolated let head: RawHTTPResponse
    private let client: RawHTTPClient
    private var parser = ServerSentEventParser()
    private var ready: [ParsedServerSentEvent] = []
    private var ended = false

    /// Deadline for one event when a call does not pass one. It only bounds a hang ("the event
    /// never came"), so it is generous: a loaded, 3× slower machine must never reach it.
    public static let defaultTimeout: Duration = .seconds(15)

    private init(head: RawHTTPResponse, client: RawHTTPClient) {
        self.head = head
        self.client = client
    }

    /// Connects to `127.0.0.1:port`, sends `GET path` with `Accept: text/event-stream` and
    /// `headers`, and reads the response head.
    /// - Parameter receiveBufferSize: `SO_RCVBUF` (a small value makes a reader that does not
    ///   read fall behind quickly).
    public static func open(port: Int, path: String, headers: [(String, String)] = [],
                            receiveBufferSize: Int? = nil,
                            timeout: Duration = defaultTimeout) async throws -> ServerSentEventReader {
        let client = try await RawHTTPClient.connect(port: port, receiveBufferSize: receiveBufferSize, timeout: timeout)
        do {
            try await client.send(RawRequest.make("GET", path, host: "127.0.0.1",
                                                  headers: [("Accept", "text/event-stream")] + headers), timeout: timeout)
            return ServerSentEventReader(head: try await client.readHead(timeout: timeout), client: client)
        } catch {
            await client.close()
            throw error
        }
    }

    /// The response status.
    public nonisolated var status: Int { head.status }

    /// The first value of header `name` (case-insensitive).
    public nonisolated func header(_ name: String) -> String? { head.header(name) }

    /// The next event, waiting up to `timeout` for it; nil once the stream has ended (last
    /// chunk, or the server closed or reset the connection). `heartbeat` events are skipped
    /// unless `heartbeats` is true: they come on a timer, so on a slow machine one can fall
    /// between any two events a test expects.
    /// - Throws: `RawHTTPClientError.timedOut` when no event arrives in time.
    public func next(timeout: Duration = defaultTimeout, heartbeats: Bool = false) async throws -> ParsedServerSentEvent? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let event = try await nextEvent(until: deadline)
            if heartbeats || event?.event != "heartbeat" { return event }
        }
    }

    private func nextEvent(until deadline: ContinuousClock.Instant) async throws -> ParsedServerSentEvent? {
        while ready.isEmpty && !ended {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw RawHTTPClientError.timedOut("waiting for an event", received: []) }
            do {
                if let chunk = try await client.readChunk(timeout: remaining) {
                    ready += parser.feed(chunk)
                } else {
                    ended = true
                }
            } catch RawHTTPClientError.closedByPeer {
                ended = true
            }
        }
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    /// Events until one satisfies `stop` (included), or the stream's end; heartbeats only when
    /// `heartbeats` is true (see `next`).
    public func events(until stop: @Sendable (ParsedServerSentEvent) -> Bool, timeout: Duration = defaultTimeout,
                       heartbeats: Bool = false) async throws -> [ParsedServerSentEvent] {
        var events: [ParsedServerSentEvent] = []
        while let event = try await next(timeout: timeout, heartbeats: heartbeats) {
            events.append(event)
            if stop(event) { return events }
        }
        return events
    }

    /// Every remaining event until the server ends the stream.
    public func drain(timeout: Duration = defaultTimeout) async throws -> [ParsedServerSentEvent] {
        var events: [ParsedServerSentEvent] = []
        while let event = try await next(timeout: timeout) { events.append(event) }
        return events
    }

    /// The JSON body of a non-stream (error) answer (`.null` when it is not JSON).
    public func errorBody(timeout: Duration = defaultTimeout) async throws -> JSONValue {
        try await client.readBody(of: head, timeout: timeout).json
    }

    /// Closes the connection (FIN). Idempotent.
    public func close() async { await client.close() }
}
