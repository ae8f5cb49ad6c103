import AppBaseCore
/// `application/x-www-form-urlencoded` query strings and percent-decoding.
public enum QueryString {
    /// Splits and decodes `a=1&b=x%20y`. Malformed escapes are kept literally.
    ///
    /// Runs for every list request on the loop: pairs are found by scanning the UTF-8 bytes, and
    /// a part without `%` or `+` becomes its `String` directly (no decoding buffer).
    public static func parse(_ query: String) -> [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        forEachPair(in: query) { name, value in
            items.append((decodedComponent(name), value.map(decodedComponent) ?? ""))
            return true
        }
        return items
    }

    /// Calls `body` with each non-empty `&`-separated pair of `query`, split at its first `=`
    /// (value nil without one), still encoded, until `body` returns false. Split on the UTF-8
    /// bytes and kept as byte slices: a `String` slice would round an index to a `Character`
    /// boundary, and a combining mark right after `=` or `&` would move the split.
    private static func forEachPair(in query: String, _ body: (Substring.UTF8View, Substring.UTF8View?) -> Bool) {
        let utf8 = query[...].utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
            if start < end {
                let pair = utf8[start..<end]
                let keepGoing: Bool
                if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                    keepGoing = body(pair[..<equals], pair[pair.index(after: equals)...])
                } else {
                    keepGoing = body(pair, nil)
                }
                guard keepGoing else { return }
            }
            start = end == utf8.endIndex ? end : utf8.index(after: end)
        }
    }

    /// One name or value of a query: decoded (`+` as space), or kept as it is when an escape is
    /// malformed or the result is not UTF-8.
    private static func decodedComponent(_ bytes: Substring.UTF8View) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        return percentDecode(bytes: bytes, plusAsSpace: true) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// The still-encoded value of the first parameter called `name` (names compared decoded, as
    /// `parse` decodes them), `""` for a bare `name`, nil when absent. For callers that must
    /// refuse a value `parse` would keep literally (a malformed escape, bytes that are not UTF-8).
    public static func encodedValue(named name: String, in query: String) -> Substring? {
        var found: Substring?
        forEachPair(in: query) { pairName, value in
            guard decodedComponent(pairName) == name else { return true }
            found = Substring(String(decoding: value ?? Substring().utf8, as: UTF8.self))
            return false
        }
        return found
    }

    /// Decodes `%XX` escapes; nil when the result is not valid UTF-8 or an escape is malformed.
    public static func percentDecode(_ text: some StringProtocol, plusAsSpace: Bool = false) -> String? {
        percentDecode(bytes: text.utf8, plusAsSpace: plusAsSpace)
    }

    private static func percentDecode(bytes text: some Collection<UInt8>, plusAsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var iterator = text.makeIterator()
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
