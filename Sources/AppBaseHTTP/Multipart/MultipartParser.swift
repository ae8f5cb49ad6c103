/// A streaming, allocation-light `multipart/form-data` parser (RFC 7578 over RFC 2046).
///
/// Feed it the request body in chunks of any size; each call returns the events the chunk
/// completed. Part bodies are never buffered: body bytes are emitted as soon as they are
/// known not to be part of a delimiter, so at most `delimiter.count - 1` bytes (CRLF, `--`
/// and the boundary: ≤ 73 bytes) are held back between calls, and only when a chunk ends
/// in what could be the start of a delimiter.
///
/// ```swift
/// var parser = try MultipartParser(boundary: MultipartParser.boundary(fromContentType: contentType))
/// for chunk in body { for event in try parser.feed(chunk) { ... } }
/// try parser.finish()
/// ```
///
/// Design:
/// - The body is treated as if it began with CRLF, so the first delimiter is found by the
///   same `CRLF "--" boundary` search as the others, and the preamble (text before it) is
///   discarded without buffering. The epilogue (after `--boundary--`) is ignored.
/// - Boundary characters never include CR, so CR occurs only as the delimiter's first byte.
///   The search therefore scans for CR eight bytes at a time (`ByteSearch`) and compares the
///   rest of the delimiter at each hit; a failed comparison can resume right after the CR,
///   with no backtracking, and a partial match at the end of a chunk is remembered as a
///   length only (its bytes are a delimiter prefix, so no copy is kept).
/// - Body bytes are emitted as one `[UInt8]` per contiguous run (one allocation per chunk,
///   never per byte).
/// - Strict framing: CRLF is required in part headers and after delimiters; a line that
///   starts with the delimiter but continues with anything other than transport padding
///   (spaces/tabs) and CRLF, or `--`, is an error (RFC 2046 forbids the boundary from
///   appearing at the start of a line inside content).
/// - A body consisting only of the closing delimiter is accepted as zero parts.
/// - After an error the parser stays failed and rethrows the same error.
public struct MultipartParser: Sendable {
    /// Default limit on one part's header block, in bytes (including its CRLFs).
    public static let defaultMaxHeaderBytes = 8 * 1024
    /// Default limit on the number of parts.
    public static let defaultMaxParts = 16
    /// The longest boundary RFC 2046 allows.
    public static let maxBoundaryLength = 70
    /// The most spaces/tabs accepted between a delimiter and its CRLF.
    static let maxTransportPadding = 256

    /// The boundary, without the leading `--`.
    public let boundary: String
    /// The limit on one part's header block, in bytes (including its CRLFs).
    public let maxHeaderBytes: Int
    /// The limit on the number of parts.
    public let maxParts: Int

    /// `CRLF "--" boundary`.
    private let delimiter: [UInt8]
    private var state: State = .preamble
    /// How many leading bytes of `delimiter` ended the previous chunk (scanning states only).
    /// Starts at 2: the virtual CRLF before the first delimiter.
    private var matched = 2
    private var header: [UInt8] = []
    private var headerLineLength = 0
    private var headerSawCR = false
    private var partCount = 0
    private var failure: MultipartError?

    /// Where the parser is in the body grammar.
    private enum State: Sendable {
        case preamble
        case delimiterLine(DelimiterStep)
        case headers
        case body
        case epilogue
    }

    /// Progress through the bytes that follow a delimiter.
    private enum DelimiterStep: Sendable {
        case start
        case dash
        case padding(Int)
        case carriageReturn
    }

    /// Creates a parser for `boundary` (as returned by `boundary(fromContentType:)`).
    ///
    /// - Throws: `MultipartError.invalidBoundary` if the boundary violates RFC 2046.
    public init(
        boundary: String, maxHeaderBytes: Int = defaultMaxHeaderBytes, maxParts: Int = defaultMaxParts
    ) throws(MultipartError) {
        try Self.validate(boundary: boundary)
        self.boundary = boundary
        self.maxHeaderBytes = maxHeaderBytes
        self.maxParts = maxParts
        self.delimiter = [0x0D, 0x0A, UInt8(ascii: "-"), UInt8(ascii: "-")] + Array(boundary.utf8)
    }

    /// Whether the closing delimiter has been seen (later input is ignored).
    public var isComplete: Bool {
        if case .epilogue = state { return true }
        return false
    }

    /// Extracts the boundary from a request `Content-Type` such as
    /// `multipart/form-data; boundary="----abc"` (quoted or not, parameter name
    /// case-insensitive) and validates it against RFC 2046: 1–70 characters from
    /// `DIGIT ALPHA ' ( ) + _ , - . / : = ?` and space, not ending in a space.
    ///
    /// - Throws: `.notMultipartFormData` for another media type, `.invalidBoundary` otherwise.
    public static func boundary(fromContentType contentType: String) throws(MultipartError) -> String {
        let isFormData = contentType.lowercased().hasPrefix("multipart/form-data")
        guard let parsed = HeaderParameters.parse(contentType) else {
            if isFormData { throw .invalidBoundary("unparseable Content-Type parameters") }
            throw .notMultipartFormData(contentType)
        }
        guard parsed.value.lowercased() == "multipart/form-data" else { throw .notMultipartFormData(parsed.value) }
        guard !parsed.hasDuplicateNames else { throw .invalidBoundary("repeated Content-Type parameter") }
        guard let boundary = parsed["boundary"] else { throw .invalidBoundary("missing boundary parameter") }
        try validate(boundary: boundary)
        return boundary
    }

    /// Checks `boundary` against RFC 2046 §5.1.1.
    static func validate(boundary: String) throws(MultipartError) {
        let bytes = boundary.utf8
        guard !bytes.isEmpty else { throw .invalidBoundary("empty boundary") }
        guard bytes.count <= maxBoundaryLength else {
            throw .invalidBoundary("longer than \(maxBoundaryLength) characters")
        }
        guard bytes.allSatisfy(isBoundaryCharacter) else { throw .invalidBoundary("character not allowed by RFC 2046") }
        guard bytes.last != UInt8(ascii: " ") else { throw .invalidBoundary("ends with a space") }
    }

    /// RFC 2046 `bchars`.
    private static func isBoundaryCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "+"), UInt8(ascii: "_"), UInt8(ascii: ","),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "?"),
            UInt8(ascii: " "):
            true
        default:
            false
        }
    }

    /// Parses the next chunk of the body and returns the events it completed, in order.
    ///
    /// - Throws: a `MultipartError` on malformed input or a limit; the parser then stays failed.
    public mutating func feed(_ chunk: [UInt8]) throws(MultipartError) -> [MultipartEvent] {
        // `Array.withUnsafeBytes` is untyped `rethrows`, so carry the typed error out in a `Result`.
        let result = chunk.withUnsafeBytes { buffer in
            Result { () throws(MultipartError) -> [MultipartEvent] in try feed(buffer) }
        }
        return try result.get()
    }

    /// Parses the next chunk of the body and returns the events it completed, in order.
    /// The chunk is not retained.
    ///
    /// - Throws: a `MultipartError` on malformed input or a limit; the parser then stays failed.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer) throws(MultipartError) -> [MultipartEvent] {
        if let failure { throw failure }
        var events: [MultipartEvent] = []
        do throws(MultipartError) {
            var index = 0
            while index < chunk.count {
                switch state {
                case .preamble:
                    index = scan(chunk, from: index, emitting: false, into: &events)
                case .body:
                    index = scan(chunk, from: index, emitting: true, into: &events)
                case .delimiterLine(let step):
                    try advance(step, chunk[index], into: &events)
                    index += 1
                case .headers:
                    index = try scanHeaders(chunk, from: index, into: &events)
                case .epilogue:
                    index = chunk.count
                }
            }
        } catch {
            failure = error
            throw error
        }
        return events
    }

    /// Signals the end of the input.
    ///
    /// - Throws: `.missingClosingDelimiter` if `--boundary--` was not seen (or the error that
    ///   already failed the parser).
    public mutating func finish() throws(MultipartError) {
        if let failure { throw failure }
        guard isComplete else {
            failure = .missingClosingDelimiter
            throw .missingClosingDelimiter
        }
    }

    /// Searches `chunk[start...]` for the delimiter (preamble or body), emitting body bytes
    /// when `emitting`. Returns the offset just past the delimiter, or `chunk.count`.
    private mutating func scan(
        _ chunk: UnsafeRawBufferPointer, from start: Int, emitting: Bool, into events: inout [MultipartEvent]
    ) -> Int {
        let count = chunk.count
        let length = delimiter.count
        var heldBack = 0
        if matched > 0 {
            // Continue the partial match left by the previous chunk.
            var matchedCount = matched
            var index = start
            while matchedCount < length, index < count, chunk[index] == delimiter[matchedCount] {
                matchedCount += 1
                index += 1
            }
            if matchedCount == length {
                matched = 0
                delimiterFound(emitting: emitting, into: &events)
                return index
            }
            if index == count {
                matched = matchedCount
                return count
            }
            // Not a delimiter: the held-back prefix is content. It holds no CR past its first
            // byte, so no delimiter can start inside it; resume the search at `start`.
            heldBack = matched
            matched = 0
        }
        var searchFrom = start
        while let candidate = ByteSearch.firstIndex(of: 0x0D, in: chunk, from: searchFrom) {
            var matchedCount = 1
            var index = candidate + 1
            while matchedCount < length, index < count, chunk[index] == delimiter[matchedCount] {
                matchedCount += 1
                index += 1
            }
            if matchedCount == length || index == count {
                if emitting { emitBody(heldBack, chunk, start..<candidate, into: &events) }
                if matchedCount == length {
                    delimiterFound(emitting: emitting, into: &events)
                    return index
                }
                matched = matchedCount
                return count
            }
            searchFrom = candidate + 1
        }
        if emitting { emitBody(heldBack, chunk, start..<count, into: &events) }
        return count
    }

    /// Ends the current part (if any) and starts reading the rest of the delimiter line.
    private mutating func delimiterFound(emitting: Bool, into events: inout [MultipartEvent]) {
        if emitting { events.append(.partEnd) }
        state = .delimiterLine(.start)
    }

    /// Emits `delimiter[..<prefixCount] + chunk[range]` as one body event, if non-empty.
    private func emitBody(
        _ prefixCount: Int, _ chunk: UnsafeRawBufferPointer, _ range: Range<Int>, into events: inout [MultipartEvent]
    ) {
        let total = prefixCount + range.count
        guard total > 0 else { return }
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { output, initialized in
            for offset in 0..<prefixCount { output[offset] = delimiter[offset] }
            if !range.isEmpty {
                UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: output[prefixCount...]))
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: chunk[range]))
            }
            initialized = total
        }
        events.append(.bodyBytes(bytes))
    }

    /// Consumes one byte after a delimiter: `--` (close), transport padding, then CRLF.
    private mutating func advance(
        _ step: DelimiterStep, _ byte: UInt8, into events: inout [MultipartEvent]
    ) throws(MultipartError) {
        switch (step, byte) {
        case (.start, UInt8(ascii: "-")):
            state = .delimiterLine(.dash)
        case (.dash, UInt8(ascii: "-")):
            state = .epilogue
            events.append(.end)
        case (.start, UInt8(ascii: " ")), (.start, UInt8(ascii: "\t")):
            state = .delimiterLine(.padding(1))
        case (.padding(let count), UInt8(ascii: " ")), (.padding(let count), UInt8(ascii: "\t")):
            guard count < Self.maxTransportPadding else { throw .malformedDelimiter }
            state = .delimiterLine(.padding(count + 1))
        case (.start, 0x0D), (.padding, 0x0D):
            state = .delimiterLine(.carriageReturn)
        case (.carriageReturn, 0x0A):
            guard partCount < maxParts else { throw .tooManyParts(limit: maxParts) }
            partCount += 1
            header.removeAll(keepingCapacity: true)
            headerLineLength = 0
            headerSawCR = false
            state = .headers
        default:
            throw .malformedDelimiter
        }
    }

    /// Accumulates a part's header block up to its empty line, then emits `partStart`.
    /// Returns the offset just past the consumed bytes.
    private mutating func scanHeaders(
        _ chunk: UnsafeRawBufferPointer, from start: Int, into events: inout [MultipartEvent]
    ) throws(MultipartError) -> Int {
        var index = start
        while index < chunk.count {
            let byte = chunk[index]
            index += 1
            guard header.count + (index - start) <= maxHeaderBytes else { throw .headerTooLarge(limit: maxHeaderBytes) }
            if headerSawCR {
                guard byte == 0x0A else { throw .bareLineEnding }
                headerSawCR = false
                if headerLineLength == 0 {
                    header.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<index]))
                    events.append(.partStart(try MultipartPartHeaders.parse(header[...])))
                    state = .body
                    matched = 0
                    return index
                }
                headerLineLength = 0
            } else if byte == 0x0D {
                headerSawCR = true
            } else if byte == 0x0A {
                throw .bareLineEnding
            } else {
                headerLineLength += 1
            }
        }
        header.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<index]))
        return index
    }
}
