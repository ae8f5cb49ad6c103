/// Reads a POSIX tar (ustar, with pax `path` records and GNU long names) from memory.
///
/// Only regular files and directories are accepted; links, devices and FIFOs are refused, as
/// is any member whose name is unsafe (see `SitePath`). Limits are checked as headers are
/// read, before any contents are copied.
enum TarArchive {
    static let blockSize = TarHeader.blockSize

    static func entries(_ bytes: [UInt8], limits: SiteLimits) throws(SiteArchiveError) -> [SiteArchiveEntry] {
        var budget = SiteArchiveBudget(limits: limits)
        var entries: [SiteArchiveEntry] = []
        var offset = 0
        // A name carried by the previous pax (`x`) or GNU (`L`) header for the next member.
        var pendingName: String?
        while offset + blockSize <= bytes.count {
            let parsed: TarHeader?
            do {
                parsed = try TarHeader.parse(bytes[offset..<offset + blockSize])
            } catch {
                throw .malformed(error.reason)
            }
            guard let header = parsed else { return entries }
            let size = header.size
            let type = header.type
            let dataStart = offset + blockSize
            guard size <= bytes.count - dataStart else { throw .malformed("member data runs past the end") }
            let data = Array(bytes[dataStart..<dataStart + size])
            offset = dataStart + size + TarHeader.padding(after: size)
            let name = pendingName ?? header.name
            switch type {
            case TarHeader.TypeFlag.paxExtended:
                pendingName = TarHeader.paxPath(data)
                continue
            case TarHeader.TypeFlag.gnuLongName:
                pendingName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case TarHeader.TypeFlag.paxGlobal:
                continue
            default:
                pendingName = nil
            }
            let kind: SiteArchiveEntry.Kind
            switch type {
            case _ where header.isRegularFile: kind = .file
            case TarHeader.TypeFlag.directory: kind = .directory
            default: throw .unsupportedMember(name: name, kind: memberKind(type))
            }
            guard let components = SitePath.components(name, maxDepth: limits.maxDepth) else { throw .unsafePath(name) }
            if components.isEmpty && kind == .directory { continue }
            guard !components.isEmpty else { throw .unsafePath(name) }
            try budget.admit(size)
            entries.append(SiteArchiveEntry(components: components, kind: kind, contents: kind == .file ? data : []))
        }
        throw .malformed("no end-of-archive marker")
    }

    private static func memberKind(_ type: UInt8) -> String {
        switch type {
        case UInt8(ascii: "1"): return "hard link"
        case UInt8(ascii: "2"): return "symbolic link"
        case UInt8(ascii: "3"): return "character device"
        case UInt8(ascii: "4"): return "block device"
        case UInt8(ascii: "6"): return "FIFO"
        default: return "member of type \(type)"
        }
    }
}
