import AppBaseCore

/// The outcome of evaluating an HTTP `Range` request header (RFC 9110 §14) against a
/// representation of a known length.
///
/// Only a single `bytes` range is honoured; the server never sends `multipart/byteranges`.
/// Choices (RFC 9110 lets a server ignore `Range`, §14.2, so "ignore" is always safe):
/// - `.full` (serve 200 with the whole body): no header; a unit other than `bytes`
///   (units are case-insensitive); more than one range (even if some are unsatisfiable);
///   any syntax error — non-digits, signs, an empty spec such as `bytes=` or `bytes=-`,
///   or `last-pos < first-pos`, which §14.1.2 makes invalid.
/// - `.unsatisfiable` (416 with `Content-Range: bytes */N`): a well-formed range with
///   `first-pos >= N`, a suffix length of 0 (`bytes=-0`), or any range when `N == 0`.
/// - `.partial(start, endInclusive)` (206): `last-pos >= N` is clamped to `N - 1`; a suffix
///   longer than the representation selects all of it (`0...N-1`). A range that covers the
///   whole representation is still `.partial`: the client asked for it and 206 is correct.
/// - Whitespace: optional whitespace (SP/HTAB) is tolerated around the whole value, around
///   `=`, and around list elements (`1#range-spec` allows empty elements, so
///   `bytes=0-5,` is one range); not inside a range (`0 - 5` is ignored).
/// - Numbers too large for `Int` saturate: a huge `first-pos` is unsatisfiable, a huge
///   `last-pos` or suffix length selects through the end.
public enum ByteRange: Sendable, Equatable {
    /// Ignore the header and serve the whole representation (200).
    case full
    /// Serve bytes `start...endInclusive` (206); both are within `0..<length`.
    case partial(start: Int, endInclusive: Int)
    /// The range cannot be satisfied (416).
    case unsatisfiable

    /// Evaluates a `Range` header value (`nil` if absent) for a representation of `length` bytes.
    public static func parse(_ header: String?, length: Int) -> ByteRange {
        guard let header, length >= 0 else { return .full }
        let bytes = Array(header.utf8)
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return .full }
        let unit = bytes[..<equals].trimmingASCIISpaces()
        guard String(decoding: unit, as: UTF8.self).lowercased() == "bytes" else { return .full }
        let specs = bytes[(equals + 1)...].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            .map { $0.trimmingASCIISpaces() }
            .filter { !$0.isEmpty }
        guard specs.count == 1, let spec = specs.first else { return .full }
        guard let dash = spec.firstIndex(of: UInt8(ascii: "-")) else { return .full }
        let firstDigits = spec[spec.startIndex..<dash]
        let lastDigits = spec[(dash + 1)...]
        if firstDigits.isEmpty {
            // suffix-range: "-" suffix-length
            guard let suffix = number(lastDigits) else { return .full }
            guard suffix > 0, length > 0 else { return .unsatisfiable }
            return .partial(start: length - min(suffix, length), endInclusive: length - 1)
        }
        guard let first = number(firstDigits) else { return .full }
        var last = Int.max
        if !lastDigits.isEmpty {
            guard let parsed = number(lastDigits) else { return .full }
            last = parsed
        }
        guard last >= first else { return .full }
        guard first < length else { return .unsatisfiable }
        return .partial(start: first, endInclusive: min(last, length - 1))
    }

    /// The number of bytes to send for `.partial`, else `nil`.
    public var count: Int? {
        if case .partial(let start, let end) = self { return end - start + 1 }
        return nil
    }

    /// The `Content-Range` value to send for a representation of `length` bytes:
    /// `bytes start-end/length` for `.partial`, `bytes */length` for `.unsatisfiable`,
    /// `nil` for `.full`.
    public func contentRange(length: Int) -> String? {
        switch self {
        case .full: nil
        case .partial(let start, let end): "bytes \(start)-\(end)/\(length)"
        case .unsatisfiable: "bytes */\(length)"
        }
    }

    /// Parses 1*DIGIT, saturating at `Int.max`; `nil` if empty or not all digits.
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            value = overflow1 || overflow2 ? Int.max : sum
        }
        return value
    }
}
