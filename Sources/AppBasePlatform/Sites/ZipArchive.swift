import CZlib

/// Reads a zip archive (stored or deflate members, no encryption, no zip64) from memory,
/// through its central directory.
///
/// Symbolic links (Unix mode in the external attributes) are refused, as are unsafe names.
/// Each member's CRC-32 is checked; an inflated member may not exceed its declared size.
enum ZipArchive {
    private static let endOfCentralDirectory: UInt32 = 0x0605_4B50
    private static let centralHeader: UInt32 = 0x0201_4B50
    private static let localHeader: UInt32 = 0x0403_4B50

    static func entries(_ bytes: [UInt8], limits: SiteLimits) throws(SiteArchiveError) -> [SiteArchiveEntry] {
        let end = try findEnd(bytes)
        let count = Int(u16(bytes, end + 10))
        var cursor = Int(u32(bytes, end + 16))
        var budget = SiteArchiveBudget(limits: limits)
        var entries: [SiteArchiveEntry] = []
        for _ in 0..<count {
            guard cursor + 46 <= bytes.count, u32(bytes, cursor) == centralHeader else {
                throw .malformed("bad central directory")
            }
            let madeBy = u16(bytes, cursor + 4)
            let flags = u16(bytes, cursor + 8)
            let method = u16(bytes, cursor + 10)
            let crc = u32(bytes, cursor + 16)
            let compressedSize = Int(u32(bytes, cursor + 20))
            let size = Int(u32(bytes, cursor + 24))
            let nameLength = Int(u16(bytes, cursor + 28))
            let extraLength = Int(u16(bytes, cursor + 30))
            let commentLength = Int(u16(bytes, cursor + 32))
            let external = u32(bytes, cursor + 38)
            let localOffset = Int(u32(bytes, cursor + 42))
            guard cursor + 46 + nameLength <= bytes.count else { throw .malformed("name runs past the end") }
            let name = String(decoding: bytes[cursor + 46..<cursor + 46 + nameLength], as: UTF8.self)
            cursor += 46 + nameLength + extraLength + commentLength

            guard flags & 1 == 0 else { throw .unsupportedMember(name: name, kind: "encrypted member") }
            guard compressedSize != 0xFFFF_FFFF, size != 0xFFFF_FFFF else { throw .tooLarge("zip64 members") }
            let unixMode = madeBy >> 8 == 3 ? external >> 16 : 0
            let fileType = unixMode & 0o170000
            let isDirectory = name.hasSuffix("/") || fileType == 0o040000
            if fileType != 0, fileType != 0o100000, fileType != 0o040000 {
                throw .unsupportedMember(name: name, kind: fileType == 0o120000 ? "symbolic link" : "special file")
            }
            guard let components = SitePath.components(name, maxDepth: limits.maxDepth) else { throw .unsafePath(name) }
            if components.isEmpty && isDirectory { continue }
            guard !components.isEmpty else { throw .unsafePath(name) }
            try budget.admit(isDirectory ? 0 : size)
            if isDirectory {
                entries.append(SiteArchiveEntry(components: components, kind: .directory, contents: []))
                continue
            }
            let data = try memberData(bytes, localOffset: localOffset, compressedSize: compressedSize, name: name)
            let contents: [UInt8]
            switch method {
            case 0:
                guard compressedSize == size else { throw .malformed("stored member \(SitePath.printable(name)) has two sizes") }
                contents = Array(data)
            case 8:
                contents = try inflate(data, expectedSize: size, name: name)
            default:
                throw .unsupportedMember(name: name, kind: "member compressed with method \(method)")
            }
            guard checksum(contents) == crc else { throw .malformed("CRC mismatch in \(SitePath.printable(name))") }
            entries.append(SiteArchiveEntry(components: components, kind: .file, contents: contents))
        }
        return entries
    }

    /// The end-of-central-directory record: within the last 64 KiB + 22 bytes (its comment).
    private static func findEnd(_ bytes: [UInt8]) throws(SiteArchiveError) -> Int {
        guard bytes.count >= 22 else { throw .malformed("too short for a zip") }
        var index = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while index >= lowest {
            if u32(bytes, index) == endOfCentralDirectory { return index }
            index -= 1
        }
        throw .malformed("no end of central directory")
    }

    private static func memberData(_ bytes: [UInt8], localOffset: Int, compressedSize: Int,
                                   name: String) throws(SiteArchiveError) -> ArraySlice<UInt8> {
        guard localOffset + 30 <= bytes.count, u32(bytes, localOffset) == localHeader else {
            throw .malformed("bad local header for \(SitePath.printable(name))")
        }
        let start = localOffset + 30 + Int(u16(bytes, localOffset + 26)) + Int(u16(bytes, localOffset + 28))
        guard start <= bytes.count, compressedSize <= bytes.count - start else {
            throw .malformed("data of \(SitePath.printable(name)) runs past the end")
        }
        return bytes[start..<start + compressedSize]
    }

    /// Raw deflate (no zlib header), refusing output beyond `expectedSize` (a zip bomb
    /// declares a small size and inflates to a large one).
    private static func inflate(_ input: ArraySlice<UInt8>, expectedSize: Int, name: String) throws(SiteArchiveError) -> [UInt8] {
        if expectedSize == 0 { return [] }
        var output = [UInt8](repeating: 0, count: expectedSize)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .malformed("zlib would not start")
        }
        defer { inflateEnd(&stream) }
        let status: Int32 = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expectedSize else {
            throw .malformed("\(SitePath.printable(name)) does not inflate to its declared size")
        }
        return output
    }

    private static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }

    private static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
}
