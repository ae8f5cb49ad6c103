import AppBaseCore
import OrderedCollections

/// An `If-Match` precondition on a record version (`ETag: "<version>"`).
enum IfMatch: Sendable, Hashable {
    /// `*`: any existing record.
    case any
    /// One of these versions; an entity tag that is not a version matches nothing.
    case versions([Int64])

    /// Parses the header: `"3"`, `W/"3"`, `3`, lists of them, or `*`.
    init(header: String) {
        var versions: [Int64] = []
        for part in header.split(separator: ",") {
            var tag = part.trimmingASCIISpaces()
            if tag == "*" {
                self = .any
                return
            }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag.count >= 2, tag.first == "\"", tag.last == "\"" { tag = tag.dropFirst().dropLast() }
            if let version = Int64(tag) { versions.append(version) }
        }
        self = .versions(versions)
    }

    /// From a batch operation's `ifMatch`: a version number or an ETag string.
    init?(json: JSONValue) {
        switch json {
        case .int(let version): self = .versions([version])
        case .string(let text): self.init(header: text)
        default: return nil
        }
    }

    /// Whether a record at `version` satisfies the precondition.
    func matches(_ version: Int64) -> Bool {
        switch self {
        case .any: return true
        case .versions(let versions): return versions.contains(version)
        }
    }

    /// 412 `version_conflict` unless `version` satisfies the precondition.
    func check(_ version: Int64) throws(AppBaseError) {
        guard !matches(version) else { return }
        throw AppBaseError(status: 412, code: .versionConflict, message: "The record has changed (current version \(version)).",
                           details: .object(["version": .int(version)]), headers: [("ETag", "\"\(version)\"")])
    }
}
