/// One event parsed from a `text/event-stream` body.
public struct ParsedServerSentEvent: Sendable, Equatable {
    public var event: String?
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
}

/// An incremental parser for the event-stream format (HTML standard, §9.2.6): feed bytes as
/// they arrive, get back the events completed so far. Comment lines are counted, not returned.
public struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []
    private var event: String?
    private var id: String?
    private var dataLines: [String] = []
    private var retry: Int?
    private var sawField = false
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
                dataLines = []
                retry = nil
                sawField = false
            }
            guard sawField else { return nil }
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
        sawField = true
        switch name {
        case "event": event = value
        case "id": id = value
        case "data": dataLines.append(value)
        case "retry": retry = Int(value)
        default: break
        }
        return nil
    }
}
