import AppBaseCore

/// The headers of one `multipart/form-data` part that matter to the storage service.
public struct MultipartPartHeaders: Sendable, Equatable {
    /// The form field name (`Content-Disposition` `name` parameter).
    public var name: String
    /// The client's file name: the RFC 5987 `filename*` if present, else `filename`; `nil`
    /// for a plain form field. Unvalidated: pass it through `FileNameValidator`.
    public var filename: String?
    /// The part's `Content-Type` value as sent (trimmed, parameters included), if any.
    public var contentType: String?

    /// Creates part headers.
    public init(name: String, filename: String? = nil, contentType: String? = nil) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
    }

    /// Whether the part is a file (it has a file name), as opposed to a plain field.
    public var isFile: Bool { filename != nil }

    /// Parses a part's raw header block: the bytes after the delimiter line, up to and
    /// including the terminating empty line (every line ends in CRLF; the parser has already
    /// rejected bare CR/LF).
    ///
    /// Choices: header names are case-insensitive; obsolete line folding is unfolded;
    /// values must be valid UTF-8 (browsers send raw UTF-8 file names) without control
    /// characters; `Content-Disposition` is required, must be `form-data` with a non-empty
    /// `name`; a repeated `Content-Disposition` or `Content-Type`, or a repeated parameter,
    /// is rejected as ambiguous; other headers (including `Content-Transfer-Encoding`) are
    /// ignored. A malformed `filename*` is an error rather than silently falling back.
    static func parse(_ block: ArraySlice<UInt8>) throws(MultipartError) -> MultipartPartHeaders {
        var disposition: String?
        var contentType: String?
        for line in try unfoldedLines(block) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw .malformedHeader("a header line has no ':'")
            }
            let nameBytes = line[line.startIndex..<colon]
            guard !nameBytes.isEmpty, nameBytes.allSatisfy(HTTPToken.isTokenByte) else {
                throw .malformedHeader("invalid header name")
            }
            let valueBytes = line[(colon + 1)...]
            guard !valueBytes.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
                throw .malformedHeader("control character in a header value")
            }
            guard let value = String(validating: valueBytes, as: UTF8.self) else {
                throw .malformedHeader("header value is not valid UTF-8")
            }
            let trimmed = trimWhitespace(value)
            switch String(decoding: nameBytes, as: UTF8.self).lowercased() {
            case "content-disposition":
                guard disposition == nil else { throw .malformedHeader("repeated Content-Disposition") }
                disposition = trimmed
            case "content-type":
                guard contentType == nil else { throw .malformedHeader("repeated Content-Type") }
                contentType = trimmed
            default:
                continue
            }
        }
        guard let disposition else { throw .missingContentDisposition }
        guard let parsed = HeaderParameters.parse(disposition) else {
            throw .malformedHeader("unparseable Content-Disposition")
        }
        guard parsed.value.lowercased() == "form-data", let name = parsed["name"], !name.isEmpty else {
            throw .missingContentDisposition
        }
        guard !parsed.hasDuplicateNames else { throw .malformedHeader("repeated Content-Disposition parameter") }
        var filename = parsed["filename"]
        if let extended = parsed["filename*"] {
            guard let decoded = ExtendedParameterValue.decode(extended) else {
                throw .malformedHeader("invalid filename* (RFC 5987)")
            }
            filename = decoded
        }
        return MultipartPartHeaders(name: name, filename: filename, contentType: contentType)
    }

    /// Splits a header block into lines without their CRLF, joining obsolete folded
    /// continuation lines (starting with SP or HT) onto the previous line with one space.
    private static func unfoldedLines(_ block: ArraySlice<UInt8>) throws(MultipartError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = block.startIndex
        var index = block.startIndex
        while index + 1 < block.endIndex {
            guard block[index] == 0x0D, block[index + 1] == 0x0A else {
                index += 1
                continue
            }
            let line = block[start..<index]
            start = index + 2
            index = start
            if line.isEmpty { break }  // the terminating empty line
            if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") {
                guard let last = lines.popLast() else { throw .malformedHeader("continuation line without a header") }
                lines.append(ArraySlice(last + [UInt8(ascii: " ")] + line.trimmingASCIISpaces()))
            } else {
                lines.append(line)
            }
        }
        return lines
    }

    /// The string without surrounding SP/HTAB (byte-wise, so a space before a combining mark goes too).
    private static func trimWhitespace(_ text: String) -> String {
        String(decoding: ArraySlice(text.utf8).trimmingASCIISpaces(), as: UTF8.self)
    }
}
