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
    /// The length of the request line's method so far (its bytes are not kept: this runs for
    /// every request); `methodComplete` once the space after it was scanned.
    private var methodLength = 0
    private var methodComplete = false
    /// Set for good when the method holds a non-token byte or outgrows `maxMethodBytes`.
    private var methodMalformed = false
    static let maxMethodBytes = 64

    /// Whether the request line starts with a well-formed method token (RFC 9110 §9.1) followed
    /// by a space — so a method the parser does not know (`QUERY`, `FOO`) is told apart from
    /// bytes that are no method at all (answered 501 and 400 respectively).
    var methodIsToken: Bool { methodComplete && !methodMalformed }

    /// Starts over for the next request's head.
    mutating func reset() { self = HeadFramingScanner() }

    /// Scans `bytes`, continuing where the previous call stopped.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        if finished { return .headEnds(consumed: 0) }
        for index in bytes.indices {
            let byte = bytes[index]
            if linesSeen == 0 && !methodComplete && !methodMalformed { noteMethodByte(byte) }
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

    /// One byte of the request line before its first space (leading empty lines' CR LF skipped).
    private mutating func noteMethodByte(_ byte: UInt8) {
        if byte == 0x20 {
            if methodLength == 0 { methodMalformed = true } else { methodComplete = true }
        } else if (byte == 0x0D || byte == 0x0A) && methodLength == 0 {
            return
        } else if HTTPToken.isTokenByte(byte) && methodLength < Self.maxMethodBytes {
            methodLength += 1
        } else {
            methodMalformed = true
        }
    }
}
