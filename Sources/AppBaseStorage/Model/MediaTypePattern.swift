/// One entry of a bucket's allowed content types: an exact essence (`image/png`) or a whole
/// top-level type (`image/*`). Entries are lowercase and carry no parameters.
struct MediaTypePattern: Sendable, Hashable {
    let text: String

    /// Parses an admin's entry; nil unless it is `token/token` or `token/*` (case-folded).
    init?(_ entry: String) {
        let lowered = entry.lowercased()
        let parts = lowered.split(separator: "/", omittingEmptySubsequences: false)
        guard lowered.utf8.count <= 127, parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].utf8.allSatisfy(Self.isRestrictedNameByte),
              parts[1] == "*" || parts[1].utf8.allSatisfy(Self.isRestrictedNameByte) else { return nil }
        text = lowered
    }

    /// Whether a lowercase essence (`MediaType.essence`) matches.
    func matches(essence: String) -> Bool {
        if text.hasSuffix("/*") { return essence.hasPrefix(text.dropLast()) }
        return essence == text
    }

    /// RFC 6838 restricted-name characters (lowercase form).
    static func isRestrictedNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "-"),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "+"):
            return true
        default:
            return false
        }
    }
}
