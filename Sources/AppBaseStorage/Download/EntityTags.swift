import AppBaseCore

/// `If-None-Match` / `If-Range` entity-tag lists (RFC 9110 §8.8.3, §13.1.2).
enum EntityTags {
    /// Whether `list` (`*`, or comma-separated tags, possibly weak `W/"…"`) matches `etag`.
    /// Weak comparison ignores the `W/` prefix; strong comparison never matches a weak tag.
    static func anyMatches(_ list: String, etag: String, weak: Bool) -> Bool {
        for item in list.split(separator: ",") {
            var tag = item.trimmingASCIISpaces()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") {
                guard weak else { continue }
                tag = tag.dropFirst(2)
            }
            if tag == etag { return true }
        }
        return false
    }
}

