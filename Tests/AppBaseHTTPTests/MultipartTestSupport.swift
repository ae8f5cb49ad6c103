@testable import AppBaseHTTP

/// One part reassembled from parser events.
struct ParsedPart: Equatable {
    var headers: MultipartPartHeaders
    var body: [UInt8]
}

/// Builds helpers for multipart tests.
enum Multipart {
    static let boundary = "----AppBaseBoundary7MA4YWxkTrZu0gW"

    /// Encodes parts as a multipart/form-data body, with optional preamble and epilogue.
    static func body(
        _ parts: [(headers: String, body: [UInt8])], boundary: String = boundary, preamble: String = "",
        epilogue: String = ""
    ) -> [UInt8] {
        var out = Array(preamble.utf8)
        for part in parts {
            out += Array("--\(boundary)\r\n\(part.headers)\r\n".utf8)
            out += part.body
            out += Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\(epilogue)".utf8)
        return out
    }

    /// Feeds `body` split at the given (sorted) offsets, finishes, and reassembles the parts,
    /// checking the event grammar `(partStart bodyBytes* partEnd)* end` along the way.
    static func parse(
        _ body: [UInt8], boundary: String = boundary, splits: [Int] = [], maxHeaderBytes: Int = 8192, maxParts: Int = 16
    ) throws(MultipartError) -> [ParsedPart] {
        var parser = try MultipartParser(boundary: boundary, maxHeaderBytes: maxHeaderBytes, maxParts: maxParts)
        var events: [MultipartEvent] = []
        var start = 0
        for split in splits + [body.count] {
            events += try parser.feed(Array(body[start..<split]))
            start = split
        }
        try parser.finish()
        return assemble(events)
    }

    /// Feeds `body` in chunks of `size` bytes.
    static func parse(_ body: [UInt8], chunkSize size: Int, boundary: String = boundary) throws(MultipartError) -> [ParsedPart] {
        try parse(body, boundary: boundary, splits: Array(stride(from: size, to: body.count, by: size)))
    }

    /// Reassembles events into parts; returns `[]` with a marker part if the grammar is violated.
    static func assemble(_ events: [MultipartEvent]) -> [ParsedPart] {
        var parts: [ParsedPart] = []
        var current: ParsedPart?
        var ended = false
        let invalid = [ParsedPart(headers: MultipartPartHeaders(name: "<invalid event sequence>"), body: [])]
        for event in events {
            guard !ended else { return invalid }
            switch event {
            case .partStart(let headers):
                guard current == nil else { return invalid }
                current = ParsedPart(headers: headers, body: [])
            case .bodyBytes(let bytes):
                guard current != nil, !bytes.isEmpty else { return invalid }
                current?.body += bytes
            case .partEnd:
                guard let part = current else { return invalid }
                parts.append(part)
                current = nil
            case .end:
                guard current == nil else { return invalid }
                ended = true
            }
        }
        return ended ? parts : invalid
    }
}
