import Foundation

/// One event of a `text/event-stream`.
struct ServerSentEvent: Sendable, Equatable {
    var event = "message"
    var data = ""
    var id: String?
}

/// Turns the bytes of an event stream, in chunks of any size, into events (the WHATWG
/// event-stream format: `field: value` lines, a blank line ends an event, `:` starts a comment).
struct ServerSentEventParser: Sendable {
    /// Bytes of the line not yet ended.
    private var partialLine: [UInt8] = []
    /// The event being assembled.
    private var pending = ServerSentEvent()
    private var hasData = false
    /// True after a CR, so the LF of a CRLF pair does not end a second (empty) line.
    private var afterCarriageReturn = false
    /// The last `retry:` value, in milliseconds.
    private(set) var retryMilliseconds: Int?

    /// Feeds a chunk and returns the events it completed.
    mutating func feed(_ chunk: Data) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in chunk {
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                afterCarriageReturn = true
                endLine(into: &events)
            case UInt8(ascii: "\n"):
                endLine(into: &events)
            default:
                partialLine.append(byte)
            }
        }
        return events
    }

    private mutating func endLine(into events: inout [ServerSentEvent]) {
        defer { partialLine.removeAll(keepingCapacity: true) }
        guard !partialLine.isEmpty else {
            if hasData { events.append(pending) }
            // Each event carries its own `id:` (the subscription keeps the last position itself).
            pending = ServerSentEvent()
            hasData = false
            return
        }
        if partialLine.first == UInt8(ascii: ":") { return }
        let line = String(decoding: partialLine, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = line[...]
            value = ""
        }
        switch field {
        case "event": pending.event = String(value)
        case "data":
            pending.data += hasData ? "\n" + value : String(value)
            hasData = true
        case "id": pending.id = value.isEmpty ? nil : String(value)
        case "retry": if let milliseconds = Int(value) { retryMilliseconds = milliseconds }
        default: break
        }
    }
}
