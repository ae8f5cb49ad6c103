/// Builds ustar archives in memory for the site tests (members of any type, any name).
struct TarBuilder {
    private(set) var bytes: [UInt8] = []

    mutating func add(_ name: String, type: Character = "0", contents: String = "", linkTarget: String = "") {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, length: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: length - 1 - digits.count) + digits, at: offset, length: length - 1)
        }
        let body = Array(contents.utf8)
        put(name, at: 0, length: 100)
        octal(0o644, at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        octal(body.count, at: 124, length: 12)
        octal(0, at: 136, length: 12)
        put(String(type), at: 156, length: 1)
        put(linkTarget, at: 157, length: 100)
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        for index in 148..<156 { header[index] = 0x20 }
        let sum = header.reduce(0) { $0 + Int($1) }
        octal(sum, at: 148, length: 7)
        bytes += header + body + [UInt8](repeating: 0, count: (512 - body.count % 512) % 512)
    }

    /// The archive with its end-of-archive marker.
    var archive: [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }
}
