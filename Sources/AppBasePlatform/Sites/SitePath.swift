/// The one check for a path inside a site, used both for archive member names on upload and
/// for request paths when serving: relative, no `..`, no empty or control-character
/// components, no backslashes, bounded depth and length.
enum SitePath {
    static let maxComponentBytes = 255
    static let maxPathBytes = 1024

    /// The components of `raw`, or nil when it is unsafe. `.` components and a trailing `/`
    /// are dropped (tar writes `./index.html` and `dir/`); an empty result means the root.
    static func components(_ raw: String, maxDepth: Int, allowAbsolute: Bool = false) -> [String]? {
        guard raw.utf8.count <= maxPathBytes else { return nil }
        var path = Substring(raw)
        if path.hasPrefix("/") {
            guard allowAbsolute else { return nil }
            path = path.drop { $0 == "/" }
        }
        var components: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part.isEmpty || part == "." { continue }
            guard part != "..", part.utf8.count <= maxComponentBytes,
                  !part.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) else { return nil }
            components.append(String(part))
        }
        guard components.count <= maxDepth else { return nil }
        return components
    }

    /// `name` for a message: at most 100 characters, control characters replaced.
    static func printable(_ name: String) -> String {
        "\"" + String(name.unicodeScalars.prefix(100).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }) + "\""
    }
}
