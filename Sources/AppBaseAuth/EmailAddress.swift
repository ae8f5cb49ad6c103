/// Email normalisation and shape check for account identifiers.
///
/// Normalised = surrounding whitespace trimmed and lowercased, so `" Ann@Example.COM "` and
/// `"ann@example.com"` are one account. The shape check is deliberately modest (one `@`, a non-empty
/// local part of at most 64 bytes, a dotted domain, no spaces, controls or address syntax characters,
/// at most 254 bytes): it catches typos and junk without pretending to validate deliverability.
enum EmailAddress {
    static let maximumBytes = 254
    static let maximumLocalBytes = 64

    /// The normalised address, or nil when it does not have the shape of one.
    static func normalize(_ raw: String) -> String? {
        var trimmed = Substring(raw)
        while let first = trimmed.first, first.isWhitespace { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
        let email = trimmed.lowercased()
        return isWellFormed(email) ? email : nil
    }

    /// True for a lowercase address of the accepted shape.
    static func isWellFormed(_ email: String) -> Bool {
        let bytes = Array(email.utf8)
        guard bytes.count >= 3, bytes.count <= maximumBytes else { return false }
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), bytes.lastIndex(of: UInt8(ascii: "@")) == at else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= maximumLocalBytes, !domain.isEmpty else { return false }
        guard bytes.allSatisfy(isAllowed) else { return false }
        // Local part: no leading, trailing or doubled dot.
        guard local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."), !hasDoubleDot(local) else { return false }
        // Domain: dotted labels of 1…63 bytes, none starting or ending with a hyphen.
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else {
                return false
            }
        }
        return true
    }

    /// Not a space, a control character, or one of the address-syntax characters `"(),:;<>[\]`.
    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case 0...32, 127: return false
        case UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: ":"),
             UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "["), UInt8(ascii: "\\"),
             UInt8(ascii: "]"):
            return false
        default: return true
        }
    }

    private static func hasDoubleDot(_ bytes: ArraySlice<UInt8>) -> Bool {
        zip(bytes, bytes.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
    }
}
