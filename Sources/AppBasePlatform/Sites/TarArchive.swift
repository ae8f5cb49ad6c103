/// Reads a POSIX tar (ustar, with pax `path` records and GNU long names) from memory.
///
/// Only regular files and directories are accepted; links, devices and FIFOs are refused, as
/// is any member whose name is unsafe (see `SitePath`). Limits are checked as headers are
/// read, before any contents are copied.
enum TarArchive {
    static let blockSize = 512

    static func entries(_ bytes: [UInt8], limits: SiteLimits) throws(SiteArchiveError) -> [SiteArchiveEntry] {
        var budget = SiteArchiveBudget(limits: limits)
        var entries: [SiteArchiveEntry] = []
        var offset = 0
        // A name carried by the previous pax (`x`) or GNU (`L`) header for the next member.
        var pendingName: String?
        while offset + blockSize <= bytes.count {
            let header = bytes[offset..<offset + blockSize]
            if header.allSatisfy({ $0 == 0 }) { return entries }
            try verifyChecksum(header)
            let size = try octal(header, at: 124, length: 12)
            let type = header[header.startIndex + 156]
            let dataStart = offset + blockSize
            guard size <= bytes.count - dataStart else { throw .malformed("member data runs past the end") }
            let data = Array(bytes[dataStart..<dataStart + size])
            offset = dataStart + (size + blockSize - 1) / blockSize * blockSize
            let name = pendingName ?? headerName(header)
            switch type {
            case UInt8(ascii: "x"):
                pendingName = paxPath(data)
                continue
            case UInt8(ascii: "L"):
                pendingName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "g"):
                continue
            default:
                pendingName = nil
            }
            let kind: SiteArchiveEntry.Kind
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .file
            case UInt8(ascii: "5"): kind = .directory
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

    /// `prefix/name` from the ustar header fields.
    private static func headerName(_ header: ArraySlice<UInt8>) -> String {
        let base = header.startIndex
        let name = string(header[base..<base + 100])
        let isUstar = header[base + 257..<base + 262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? string(header[base + 345..<base + 500]) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The `path` record of a pax extended header (`"<len> path=<value>\n"` records).
    private static func paxPath(_ data: [UInt8]) -> String? {
        var result: String?
        for record in data.split(separator: UInt8(ascii: "\n")) {
            guard let space = record.firstIndex(of: UInt8(ascii: " ")) else { continue }
            let field = record[record.index(after: space)...]
            if field.starts(with: "path=".utf8) { result = String(decoding: field.dropFirst(5), as: UTF8.self) }
        }
        return result
    }

    private static func octal(_ header: ArraySlice<UInt8>, at field: Int, length: Int) throws(SiteArchiveError) -> Int {
        let start = header.startIndex + field
        var value = 0
        for byte in header[start..<start + length] {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if value > 0 { break } else { continue }
            }
            // Base-256 sizes (over 8 GiB) are far beyond any limit: refuse them as malformed.
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte), value < Int.max >> 4 else {
                throw .malformed("bad octal field in a header")
            }
            value = value * 8 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func verifyChecksum(_ header: ArraySlice<UInt8>) throws(SiteArchiveError) {
        let stored = try octal(header, at: 148, length: 8)
        var sum = 0
        for (index, byte) in header.enumerated() {
            sum += (148..<156).contains(index) ? Int(UInt8(ascii: " ")) : Int(byte)
        }
        guard sum == stored else { throw .malformed("header checksum mismatch") }
    }
}
