import AppBaseCore

/// One event parsed from a `text/event-stream` body.
public struct ParsedServerSentEvent: Sendable, Equatable, CustomStringConvertible {
    /// The `event:` field; nil for the default type (`message`).
    public var event: String?
    /// The `id:` field of this event's own block (nil when the block had none), not the
    /// stream's last event id carried over: tests check what each event says.
    public var id: String?
    /// The `data:` lines joined with `\n`.
    public var data: String
    public var retry: Int?

    public init(event: String? = nil, id: String? = nil, data: String, retry: Int? = nil) {
        self.event = event
        self.id = id
        self.data = data
        self.retry = retry
    }

    /// The id as a change-feed sequence number.
    public var seq: Int64? { id.flatMap { Int64($0) } }

    /// The data parsed as JSON (`.null` when it is not JSON).
    public var json: JSONValue { (try? JSONParser.parse(data, maxDepth: 64)) ?? .null }

    public var description: String { "\(event ?? "message")#\(id ?? "-") \(data)" }
}

/// An incremental parser for the event-stream format (HTML standard, §9.2.6): feed bytes as
/// they arrive, get back the events completed so far. Comment lines are counted, not returned.
/// As EventSource does, a block without a `data:` line dispatches nothing.
public struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []
    private var event: String?
    private var id: String?
    private var dataLines: [String] = []
    private var retry: Int?
    private var sawData = false
    /// Comment lines (`: ...`) seen so far (heartbeats).
    public private(set) var commentCount = 0

    public init() {}

    /// Parses every complete line in `bytes` (plus what was left from earlier calls).
    public mutating func feed(_ bytes: [UInt8]) -> [ParsedServerSentEvent] {
        pending += bytes
        var events: [ParsedServerSentEvent] = []
        while let newline = pending.firstIndex(of: 10) {
            var line = Array(pending[..<newline])
            pending.removeFirst(newline + 1)
            if line.last == 13 { line.removeLast() }
            if let event = consume(line) { events.append(event) }
        }
        return events
    }

    private mutating func consume(_ line: [UInt8]) -> ParsedServerSentEvent? {
        if line.isEmpty {
            defer {
                event = nil
                id = nil
                dataLines = []
                retry = nil
                sawData = false
            }
            guard sawData else { return nil }
            return ParsedServerSentEvent(event: event, id: id, data: dataLines.joined(separator: "\n"), retry: retry)
        }
        if line.first == UInt8(ascii: ":") {
            commentCount += 1
            return nil
        }
        let text = String(decoding: line, as: UTF8.self)
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        var value = parts.count > 1 ? String(parts[1]) : ""
        if value.hasPrefix(" ") { value.removeFirst() }
        switch name {
        case "event": event = value
        case "id": id = value
        case "data":
            dataLines.append(value)
            sawData = true
        case "retry": retry = Int(value)
        default: break
        }
        return nil
    }
}
