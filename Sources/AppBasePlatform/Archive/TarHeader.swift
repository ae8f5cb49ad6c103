/// One 512-byte POSIX tar (ustar) header: parsed by both tar readers (uploaded site archives in
/// memory, backup archives streamed from disk) and written by the backup writer, so the three
/// agree on one format.
struct TarHeader: Equatable {
    static let blockSize = 512
    /// Sizes are written as 11 octal digits: the largest member a ustar header can carry.
    static let maxMemberSize = (1 << 33) - 1

    /// Type flags this code knows by name.
    enum TypeFlag {
        static let regular = UInt8(ascii: "0")
        static let regularOld: UInt8 = 0
        static let contiguous = UInt8(ascii: "7")
        static let directory = UInt8(ascii: "5")
        static let paxExtended = UInt8(ascii: "x")
        static let paxGlobal = UInt8(ascii: "g")
        static let gnuLongName = UInt8(ascii: "L")
    }

    /// `prefix/name` from the ustar fields (a pax or GNU long name is the reader's to apply).
    var name: String
    var size: Int
    var type: UInt8

    /// Whether the member holds a regular file's bytes.
    var isRegularFile: Bool {
        type == TypeFlag.regular || type == TypeFlag.regularOld || type == TypeFlag.contiguous
    }

    /// The header in `block` (exactly 512 bytes); nil for an all-zero block, which ends an archive.
    /// - Throws: `TarFormatError` for a bad checksum or a bad octal field.
    static func parse(_ block: ArraySlice<UInt8>) throws(TarFormatError) -> TarHeader? {
        if block.allSatisfy({ $0 == 0 }) { return nil }
        try verifyChecksum(block)
        let size = try octal(block, at: 124, length: 12)
        return TarHeader(name: headerName(block), size: size, type: block[block.startIndex + 156])
    }

    /// The bytes after a member of `size` bytes up to the next block boundary.
    static func padding(after size: Int) -> Int { (blockSize - size % blockSize) % blockSize }

    /// A ustar header for a regular file (mode 0600, owner 0) whose name fits the 100-byte field.
    /// - Throws: `TarFormatError` for a longer name or a size beyond `maxMemberSize`.
    static func encodeFile(name: String, size: Int, modifiedAt seconds: Int64) throws(TarFormatError) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.count <= 100 else { throw TarFormatError(reason: "member name too long: \(name)") }
        guard (0...maxMemberSize).contains(size) else { throw TarFormatError(reason: "member \(name) is larger than 8 GiB") }
        var block = [UInt8](repeating: 0, count: blockSize)
        block.replaceSubrange(0..<nameBytes.count, with: nameBytes)
        put(octal: 0o600, width: 8, at: 100, into: &block)
        put(octal: 0, width: 8, at: 108, into: &block)
        put(octal: 0, width: 8, at: 116, into: &block)
        put(octal: size, width: 12, at: 124, into: &block)
        put(octal: Int(max(0, seconds)), width: 12, at: 136, into: &block)
        block[156] = TypeFlag.regular
        block.replaceSubrange(257..<263, with: Array("ustar\u{0}".utf8))
        block.replaceSubrange(263..<265, with: Array("00".utf8))
        // The checksum is summed with its own field read as spaces.
        block.replaceSubrange(148..<156, with: [UInt8](repeating: UInt8(ascii: " "), count: 8))
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal: sum, width: 7, at: 148, into: &block)
        return block
    }

    /// The `path` record of a pax extended header (`"<len> path=<value>\n"` records).
    static func paxPath(_ data: [UInt8]) -> String? {
        var result: String?
        for record in data.split(separator: UInt8(ascii: "\n")) {
            guard let space = record.firstIndex(of: UInt8(ascii: " ")) else { continue }
            let field = record[record.index(after: space)...]
            if field.starts(with: "path=".utf8) { result = String(decoding: field.dropFirst(5), as: UTF8.self) }
        }
        return result
    }

    /// `width - 1` zero-padded octal digits and a NUL.
    private static func put(octal value: Int, width: Int, at offset: Int, into block: inout [UInt8]) {
        var digits = Array(String(value, radix: 8).utf8)
        if digits.count < width - 1 { digits = [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits }
        block.replaceSubrange(offset..<offset + width, with: digits + [0])
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

    private static func octal(_ header: ArraySlice<UInt8>, at field: Int, length: Int) throws(TarFormatError) -> Int {
        let start = header.startIndex + field
        var value = 0
        for byte in header[start..<start + length] {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if value > 0 { break } else { continue }
            }
            // Base-256 sizes (over 8 GiB) are far beyond any limit: refuse them as malformed.
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte), value < Int.max >> 4 else {
                throw TarFormatError(reason: "bad octal field in a header")
            }
            value = value * 8 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func verifyChecksum(_ header: ArraySlice<UInt8>) throws(TarFormatError) {
        let stored = try octal(header, at: 148, length: 8)
        var sum = 0
        for (index, byte) in header.enumerated() {
            sum += (148..<156).contains(index) ? Int(UInt8(ascii: " ")) : Int(byte)
        }
        guard sum == stored else { throw TarFormatError(reason: "header checksum mismatch") }
    }
}

/// A tar header that cannot be read or written; `reason` is a short phrase for a message.
struct TarFormatError: Error, Equatable {
    let reason: String
}
