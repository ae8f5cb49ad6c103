import AppBaseCore

/// One member of an uploaded site archive, after its name has been checked.
struct SiteArchiveEntry: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case file, directory }
    /// Path components below the site root; never empty, never `.`/`..`, no `/` inside.
    var components: [String]
    var kind: Kind
    var contents: [UInt8]
}

/// What an uploaded archive may hold: sizes and counts checked while reading, before
/// anything is written to disk.
public struct SiteLimits: Sendable, Equatable {
    /// Largest archive body accepted.
    public var maxArchiveBytes: Int
    /// Largest total of unpacked file sizes.
    public var maxUnpackedBytes: Int
    /// Most members (files and directories).
    public var maxEntries: Int
    /// Deepest directory nesting.
    public var maxDepth: Int

    public init(maxArchiveBytes: Int = 64 << 20, maxUnpackedBytes: Int = 256 << 20, maxEntries: Int = 10_000, maxDepth: Int = 32) {
        self.maxArchiveBytes = maxArchiveBytes
        self.maxUnpackedBytes = maxUnpackedBytes
        self.maxEntries = maxEntries
        self.maxDepth = maxDepth
    }
}

/// Why an archive was refused; every case is a 400 (or 413 for sizes) naming the member.
enum SiteArchiveError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsafePath(String)
    case unsupportedMember(name: String, kind: String)
    case tooLarge(String)

    var description: String {
        switch self {
        case .malformed(let why): return "The archive is malformed: \(why)."
        case .unsafePath(let name): return "Member \(SitePath.printable(name)) has an unsafe path (absolute, .., or a bad character)."
        case .unsupportedMember(let name, let kind): return "Member \(SitePath.printable(name)) is a \(kind); only files and directories are allowed."
        case .tooLarge(let what): return "The archive is too large: \(what)."
        }
    }

    /// The HTTP error for this refusal.
    var appError: AppBaseError {
        if case .tooLarge = self { return AppBaseError(status: 413, code: .payloadTooLarge, message: description) }
        return AppBaseError.badRequest(description)
    }
}

/// Running totals while an archive is read, so limits fail early.
struct SiteArchiveBudget {
    let limits: SiteLimits
    private(set) var entries = 0
    private(set) var bytes = 0

    init(limits: SiteLimits) { self.limits = limits }

    mutating func admit(_ size: Int) throws(SiteArchiveError) {
        entries += 1
        bytes += size
        guard entries <= limits.maxEntries else { throw .tooLarge("more than \(limits.maxEntries) members") }
        guard bytes <= limits.maxUnpackedBytes else { throw .tooLarge("more than \(limits.maxUnpackedBytes) bytes unpacked") }
    }
}
