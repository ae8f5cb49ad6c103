import AppBaseCore
/// `application/x-www-form-urlencoded` query strings and percent-decoding.
public enum QueryString {
    /// Splits and decodes `a=1&b=x%20y`. Malformed escapes are kept literally.
    ///
    /// Runs for every list request on the loop: pairs are found by scanning the UTF-8 bytes, and
    /// a part without `%` or `+` becomes its `String` directly (no decoding buffer).
    public static func parse(_ query: String) -> [(name: String, value: String)] {
        guard !query.isEmpty else { return [] }
        var items: [(name: String, value: String)] = []
        let utf8 = query.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            // `&` and `=` are ASCII, so every index found here is a valid `String` index.
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
            if start < end {
                let pair = query[start..<end]
                if let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")) {
                    items.append((decodedComponent(pair[..<equals]), decodedComponent(pair[pair.utf8.index(after: equals)...])))
                } else {
                    items.append((decodedComponent(pair), ""))
                }
            }
            start = end == utf8.endIndex ? end : utf8.index(after: end)
        }
        return items
    }

    /// One name or value of a query: decoded (`+` as space), or kept as it is when an escape is
    /// malformed or the result is not UTF-8.
    private static func decodedComponent(_ text: Substring) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(text) }
        return percentDecode(text, plusAsSpace: true) ?? String(text)
    }

    /// The still-encoded value of the first parameter called `name` (names compared decoded, as
    /// `parse` decodes them), `""` for a bare `name`, nil when absent. For callers that must
    /// refuse a value `parse` would keep literally (a malformed escape, bytes that are not UTF-8).
    public static func encodedValue(named name: String, in query: String) -> Substring? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard (percentDecode(parts[0], plusAsSpace: true) ?? String(parts[0])) == name else { continue }
            return parts.count > 1 ? parts[1] : ""
        }
        return nil
    }

    /// Decodes `%XX` escapes; nil when the result is not valid UTF-8 or an escape is malformed.
    public static func percentDecode(_ text: some StringProtocol, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(ASCII.hexValue), let low = iterator.next().flatMap(ASCII.hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Percent-encodes, with uppercase hex, every UTF-8 byte of `text` for which `isKept` is false;
    /// by default everything but RFC 3986 unreserved characters.
    public static func percentEncode(_ text: String, keeping isKept: (UInt8) -> Bool = isUnreserved) -> String {
        let hex: StaticString = "0123456789ABCDEF"
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            if isKept(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex.utf8Start[Int(byte >> 4)])
                out.append(hex.utf8Start[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3986 `unreserved`: ALPHA / DIGIT / "-" / "." / "_" / "~".
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
