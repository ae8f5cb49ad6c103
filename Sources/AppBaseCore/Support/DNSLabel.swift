/// The one grammar for a lowercase DNS label (RFC 1123 host name label): `[a-z0-9]`, with
/// inner hyphens, 1 to `maxLength` bytes. App names are labels (`api.<app>.appbase.local`),
/// and so is every part of the `[mdns] domain`.
public enum DNSLabel {
    /// Whether `text` is a label of at most `maxLength` bytes (63 is DNS's own limit).
    public static func isValid(_ text: some StringProtocol, maxLength: Int = 63) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...maxLength).contains(bytes.count), let first = bytes.first, let last = bytes.last,
              first != UInt8(ascii: "-"), last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }
}
