/// One Server-Sent Event, formatted per the HTML standard's event-stream grammar.
public struct ServerSentEvent: Sendable {
    public var event: String?
    public var id: String?
    public var data: [UInt8]
    public var retryMilliseconds: Int?

    public init(event: String? = nil, id: String? = nil, data: [UInt8], retryMilliseconds: Int? = nil) {
        self.event = event
        self.id = id
        self.data = data
        self.retryMilliseconds = retryMilliseconds
    }

    /// The wire form: `event:`, `id:`, `retry:` and one `data:` line per line of `data`,
    /// then a blank line. Field values never contain CR or LF (they are stripped).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 64)
        encode(into: &out)
        return out
    }

    /// Appends the wire form to `out`.
    public func encode(into out: inout [UInt8]) {
        func field(_ name: StaticString, _ value: String) {
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            for byte in value.utf8 where byte != 10 && byte != 13 { out.append(byte) }
            out.append(10)
        }
        if let retryMilliseconds { field("retry: ", String(retryMilliseconds)) }
        if let event { field("event: ", event) }
        if let id { field("id: ", id) }
        var lineStart = data.startIndex
        var index = data.startIndex
        while index <= data.endIndex {
            if index == data.endIndex || data[index] == 10 {
                out.append(contentsOf: Array("data: ".utf8))
                var line = data[lineStart..<index]
                if line.last == 13 { line = line.dropLast() }
                out.append(contentsOf: line)
                out.append(10)
                lineStart = index + 1
            }
            index += 1
        }
        out.append(10)
    }

    /// A comment line (`: text`), used for heartbeats that carry no event.
    public static func comment(_ text: String) -> [UInt8] {
        Array(": ".utf8) + text.utf8.filter { $0 != 10 && $0 != 13 } + [10, 10]
    }
}
