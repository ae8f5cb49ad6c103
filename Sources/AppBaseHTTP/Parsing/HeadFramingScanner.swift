/// Checks a request head's raw bytes for the framing that http_parser (as Debian builds it,
/// lenient) accepts but a proxy in front may read differently — the classic levers of request
/// smuggling (RFC 9112 §2.2, §5.2):
/// - a bare LF or a bare CR as a line ending,
/// - obs-fold (a header line continued on the next line by leading whitespace),
/// - a NUL byte anywhere in the head.
///
/// It runs over the bytes before the parser sees them, only while a head is being read, and
/// stops at the blank line that ends the head (the body is not scanned). Leading empty lines
/// before the request line are allowed, as RFC 9112 §2.2 permits.
struct HeadFramingScanner {
    /// Why a head was refused.
    enum Violation: Equatable {
        case bareLineFeed, bareCarriageReturn, obsFold, nulByte

        var message: String {
            switch self {
            case .bareLineFeed: return "Malformed HTTP request: a line ends in LF without CR."
            case .bareCarriageReturn: return "Malformed HTTP request: a CR is not followed by LF."
            case .obsFold: return "Malformed HTTP request: folded header lines (obs-fold) are not accepted."
            case .nulByte: return "Malformed HTTP request: NUL byte in the request head."
            }
        }
    }

    /// What a scan found.
    enum Outcome: Equatable {
        /// Every byte belongs to a head that has not ended yet.
        case headContinues
        /// The head ends after `consumed` bytes of this buffer; the rest is body or the next request.
        case headEnds(consumed: Int)
        case invalid(Violation)
    }

    private var lineLength = 0
    private var linesSeen = 0
    private var afterCarriageReturn = false
    private var finished = false
    /// Where the request line's shape check stands (lengths only, no bytes kept: this runs for
    /// every request).
    private enum RequestLine {
        case method(length: Int)
        case target(length: Int)
        /// Bytes of `HTTP/d.d` matched so far.
        case version(matched: Int)
        case wellFormed
        case malformed
    }
    private var requestLine = RequestLine.method(length: 0)
    static let maxMethodBytes = 64
    private static let versionPrefix = Array("HTTP/".utf8)

    /// Whether the request line was scanned whole and has the shape `method SP target SP
    /// HTTP/d.d CRLF` with a method token of at most `maxMethodBytes` (RFC 9112 §3) — so a method
    /// the parser does not know (`QUERY /x HTTP/1.1`) is told apart from a line that is no
    /// request at all (answered 501 and 400 respectively).
    var requestLineIsWellFormed: Bool {
        if case .wellFormed = requestLine { return true }
        return false
    }

    /// Starts over for the next request's head.
    mutating func reset() { self = HeadFramingScanner() }

    /// Scans `bytes`, continuing where the previous call stopped.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        if finished { return .headEnds(consumed: 0) }
        for index in bytes.indices {
            let byte = bytes[index]
            if linesSeen == 0 { noteRequestLineByte(byte) }
            if afterCarriageReturn {
                guard byte == 0x0A else { return .invalid(.bareCarriageReturn) }
                afterCarriageReturn = false
                if lineLength == 0 {
                    // A blank line: the end of the head, or an empty line before the request line.
                    if linesSeen > 0 {
                        finished = true
                        return .headEnds(consumed: index + 1)
                    }
                } else {
                    linesSeen += 1
                    lineLength = 0
                }
                continue
            }
            switch byte {
            case 0x0D:
                afterCarriageReturn = true
            case 0x0A:
                return .invalid(.bareLineFeed)
            case 0x00:
                return .invalid(.nulByte)
            case 0x20, 0x09:
                // Whitespace opening a header line continues the previous one: obs-fold.
                if lineLength == 0 && linesSeen > 0 { return .invalid(.obsFold) }
                lineLength += 1
            default:
                lineLength += 1
            }
        }
        return .headContinues
    }

    /// One byte of the request line (the CR LF of leading empty lines skipped).
    private mutating func noteRequestLineByte(_ byte: UInt8) {
        switch requestLine {
        case .method(let length):
            if byte == 0x20 {
                requestLine = length > 0 ? .target(length: 0) : .malformed
            } else if (byte == 0x0D || byte == 0x0A) && length == 0 {
                return
            } else if HTTPToken.isTokenByte(byte) && length < Self.maxMethodBytes {
                requestLine = .method(length: length + 1)
            } else {
                requestLine = .malformed
            }
        case .target(let length):
            if byte == 0x20 {
                requestLine = length > 0 ? .version(matched: 0) : .malformed
            } else if byte > 0x20 && byte != 0x7F {
                requestLine = .target(length: length + 1)
            } else {
                requestLine = .malformed
            }
        case .version(let matched):
            let fits: Bool = switch matched {
            case 0..<5: byte == Self.versionPrefix[matched]
            case 5, 7: (0x30...0x39).contains(byte)
            case 6: byte == 0x2E
            default: byte == 0x0D
            }
            requestLine = !fits ? .malformed : matched == 8 ? .wellFormed : .version(matched: matched + 1)
        case .wellFormed, .malformed:
            return
        }
    }
}
