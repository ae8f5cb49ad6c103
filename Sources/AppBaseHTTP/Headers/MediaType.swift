/// Media type helpers (RFC 9110 §8.3.1) shared by `Content-Type` checks and `ContentDisposition`.
public enum MediaType {
    /// The lowercase `type/subtype` of a media type, without parameters or whitespace.
    public static func essence(_ mediaType: String) -> String {
        let head = mediaType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(head.filter { $0 != " " && $0 != "\t" }).lowercased()
    }
}
