import AppBaseHTTP

/// Detects a file's type from its first bytes (magic numbers), and checks a declared
/// `Content-Type` against them.
///
/// Only signatures are examined (no parsing beyond a few header fields), so sniffing is
/// cheap and never allocates more than one copy of the prefix. Pass at least the first
/// `recommendedPrefixLength` bytes; fewer still works but may miss markup that starts late.
public enum ContentSniffer {
    /// How many leading bytes `sniff` looks at (more are ignored).
    public static let recommendedPrefixLength = 1024

    /// Returns the MIME type whose signature `prefix` starts with, or `nil` if none matches.
    ///
    /// Binary: PNG, JPEG, GIF, WebP, BMP, ICO/CUR, TIFF, ISO-BMFF `ftyp` (AVIF, HEIC/HEIF,
    /// QuickTime, M4A, 3GPP, else MP4), PDF, ZIP (also docx/xlsx/odt/epub/jar), gzip, MP3
    /// (ID3 tag or a valid MPEG audio frame header), AAC (ADTS), WebM/Matroska, Ogg, WAV,
    /// AVI, FLAC. Markup, after an optional UTF-8 BOM, whitespace, comments and processing
    /// instructions, case-insensitive: `text/html` for `<!DOCTYPE html` or a common HTML tag
    /// (`<html`, `<script`, `<body`, `<iframe`, `<img`, `<a`, `<p`, …), `image/svg+xml` for
    /// `<svg` or `<!DOCTYPE svg`, `application/xml` for other documents with `<?xml`.
    public static func sniff(_ prefix: some Collection<UInt8>) -> String? {
        let bytes = Array(prefix.prefix(recommendedPrefixLength))
        return sniffBinary(bytes) ?? sniffMarkup(bytes)
    }

    /// Whether content sniffed as `sniffed` (the result of `sniff`) may be what the client
    /// declared, checked only as far as signatures allow ("where cheap").
    ///
    /// Rules, in order (types compared by lowercase essence, parameters ignored):
    /// 1. A missing, empty or `application/octet-stream` declaration accepts anything: such
    ///    content is only ever served as an attachment.
    /// 2. No signature found: consistent unless the declared type always has one (PNG, JPEG,
    ///    GIF, WebP, BMP, ICO, TIFF, AVIF, HEIC, PDF, ZIP-based, gzip, FLAC, WAV, Ogg, WebM, AVI).
    /// 3. Same family (aliases, ZIP containers, SVG/XML, AAC in MP4…): consistent.
    /// 4. Markup (HTML, SVG, XML) is accepted only for its own family or for a declared
    ///    `text/*` type other than `text/plain` (markup is text, e.g. Markdown starting with
    ///    `<p>`); `text/plain` is served inline, so it must not carry markup.
    /// 5. Other binary signatures: inconsistent if the declared type has a known signature
    ///    or is `text/*`; otherwise consistent (an unknown format may well be, e.g., a ZIP).
    public static func isConsistent(declared: String, sniffed: String?) -> Bool {
        let declaredEssence = MediaType.essence(declared)
        if declaredEssence.isEmpty || declaredEssence == "application/octet-stream" { return true }
        let declaredFamily = MediaTypeFamily(essence: declaredEssence)
        guard let sniffed else { return !(declaredFamily?.requiresMagic ?? false) }
        guard let sniffedFamily = MediaTypeFamily(essence: MediaType.essence(sniffed)) else {
            return MediaType.essence(sniffed) == declaredEssence
        }
        if let declaredFamily, declaredFamily.accepts(sniffed: sniffedFamily) { return true }
        let isText = declaredEssence.hasPrefix("text/")
        if sniffedFamily.isMarkup {
            return isText && declaredEssence != "text/plain" && declaredFamily == nil
        }
        return declaredFamily == nil && !isText
    }

    // MARK: - Binary signatures

    /// Matches the binary signatures, most specific first.
    private static func sniffBinary(_ bytes: [UInt8]) -> String? {
        /// Whether the ASCII `signature` occurs at `offset`.
        func has(_ signature: String, at offset: Int = 0) -> Bool { matches(bytes, Array(signature.utf8), at: offset) }
        /// Whether the bytes of `signature` occur at `offset`.
        func has(_ signature: [UInt8], at offset: Int = 0) -> Bool { matches(bytes, signature, at: offset) }

        if has([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if has([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if has("GIF87a") || has("GIF89a") { return "image/gif" }
        if has("RIFF") {
            if has("WEBP", at: 8) { return "image/webp" }
            if has("WAVE", at: 8) { return "audio/wav" }
            if has("AVI ", at: 8) { return "video/x-msvideo" }
        }
        if has([0x49, 0x49, 0x2A, 0x00]) || has([0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        if (has([0x00, 0x00, 0x01, 0x00]) || has([0x00, 0x00, 0x02, 0x00])), bytes.count >= 6, bytes[4] | bytes[5] != 0 {
            return "image/x-icon"
        }
        // "BM" alone is too weak: also require the reserved header words to be zero.
        if has("BM"), bytes.count >= 10, bytes[6...9].allSatisfy({ $0 == 0 }) { return "image/bmp" }
        if has("ftyp", at: 4) { return sniffISOMedia(bytes) }
        if has("%PDF-") { return "application/pdf" }
        if has([0x50, 0x4B, 0x03, 0x04]) || has([0x50, 0x4B, 0x05, 0x06]) || has([0x50, 0x4B, 0x07, 0x08]) {
            return "application/zip"
        }
        if has([0x1F, 0x8B, 0x08]) { return "application/gzip" }
        if has("ID3") { return "audio/mpeg" }
        if has("fLaC") { return "audio/flac" }
        if has("OggS") { return find(bytes, [0x80] + Array("theora".utf8), from: 0) != nil ? "video/ogg" : "audio/ogg" }
        if has([0x1A, 0x45, 0xDF, 0xA3]) {
            // The EBML header's DocType ("webm" or "matroska") comes within its first bytes.
            return find(Array(bytes.prefix(64)), Array("webm".utf8), from: 0) != nil ? "video/webm" : "video/x-matroska"
        }
        return sniffMPEGAudioFrame(bytes)
    }

    /// ISO base media file (`....ftyp<major><minor><compatible brands>`).
    private static func sniffISOMedia(_ bytes: [UInt8]) -> String {
        let size = bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        var brands: [String] = []
        var offset = 8
        while offset + 4 <= min(max(size, 16), bytes.count) {
            if offset != 12 { brands.append(String(decoding: bytes[offset..<offset + 4], as: UTF8.self)) }
            offset += 4
        }
        let major = brands.first ?? ""
        if ["avif", "avis"].contains(major) { return "image/avif" }
        if ["heic", "heix", "heim", "heis", "hevc", "hevx"].contains(major) { return "image/heic" }
        if ["mif1", "msf1"].contains(major) {
            if brands.contains("avif") || brands.contains("avis") { return "image/avif" }
            return brands.contains(where: { $0.hasPrefix("he") }) ? "image/heic" : "image/heif"
        }
        if major == "qt  " { return "video/quicktime" }
        if ["M4A ", "M4B ", "M4P "].contains(major) { return "audio/mp4" }
        if major.hasPrefix("3g2") { return "video/3gpp2" }
        if major.hasPrefix("3gp") { return "video/3gpp" }
        return "video/mp4"
    }

    /// An MPEG-1/2 audio frame header (MP3) or an ADTS header (AAC) with valid fields.
    private static func sniffMPEGAudioFrame(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 3, bytes[0] == 0xFF, bytes[1] & 0xE0 == 0xE0 else { return nil }
        let version = (bytes[1] >> 3) & 0x03
        let layer = (bytes[1] >> 1) & 0x03
        if layer == 0 {
            // ADTS: MPEG version bit any, layer 00; sampling index 13-15 are invalid.
            return bytes[1] & 0xF6 == 0xF0 && (bytes[2] >> 2) & 0x0F < 13 ? "audio/aac" : nil
        }
        let bitrate = bytes[2] >> 4
        let sampleRate = (bytes[2] >> 2) & 0x03
        guard version != 1, bitrate != 0x0F, bitrate != 0, sampleRate != 3 else { return nil }
        return "audio/mpeg"
    }

    // MARK: - Markup

    private static let htmlTags = [
        "html", "head", "body", "script", "iframe", "frameset", "h1", "div", "font", "table", "a", "style", "title",
        "b", "br", "p", "img", "object", "embed", "meta", "link", "form", "base",
    ].map { Array($0.utf8) }

    /// Skips a BOM, whitespace, comments, processing instructions and non-HTML/SVG doctypes,
    /// then classifies the first element.
    private static func sniffMarkup(_ bytes: [UInt8]) -> String? {
        var index = matches(bytes, [0xEF, 0xBB, 0xBF], at: 0) ? 3 : 0
        var sawXMLDeclaration = false
        let fallback: () -> String? = { sawXMLDeclaration ? "application/xml" : nil }
        while true {
            while index < bytes.count, [0x09, 0x0A, 0x0C, 0x0D, 0x20].contains(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { return fallback() }
            if matchesCaseInsensitive(bytes, "<?xml", at: index) { sawXMLDeclaration = true }
            if matchesCaseInsensitive(bytes, "<?", at: index) {
                guard let end = find(bytes, "?>", from: index + 2) else { return fallback() }
                index = end
            } else if matchesCaseInsensitive(bytes, "<!--", at: index) {
                guard let end = find(bytes, "-->", from: index + 4) else { return sawXMLDeclaration ? "application/xml" : "text/html" }
                index = end
            } else if matchesCaseInsensitive(bytes, "<!doctype", at: index) {
                var nameStart = index + 9
                while nameStart < bytes.count, [0x09, 0x0A, 0x0D, 0x20].contains(bytes[nameStart]) { nameStart += 1 }
                if isTag(bytes, "html", at: nameStart) { return "text/html" }
                if isTag(bytes, "svg", at: nameStart) { return "image/svg+xml" }
                guard let end = find(bytes, ">", from: nameStart) else { return fallback() }
                index = end
            } else if isTag(bytes, "svg", at: index + 1) {
                return "image/svg+xml"
            } else if htmlTags.contains(where: { isTag(bytes, $0, at: index + 1) }) {
                return "text/html"
            } else {
                return fallback()
            }
        }
    }

    /// Whether `name` (lowercase ASCII) occurs at `offset`, case-insensitively, followed by
    /// a tag-terminating byte (whitespace, `>` or `/`) or the end of the prefix.
    private static func isTag(_ bytes: [UInt8], _ name: String, at offset: Int) -> Bool {
        isTag(bytes, Array(name.utf8), at: offset)
    }

    /// Byte-pattern form of `isTag(_:_:at:)`; `name` must be lowercase ASCII.
    private static func isTag(_ bytes: [UInt8], _ name: [UInt8], at offset: Int) -> Bool {
        guard matchesCaseInsensitive(bytes, name, at: offset) else { return false }
        let next = offset + name.count
        return next == bytes.count || [0x09, 0x0A, 0x0C, 0x0D, 0x20, 0x2F, 0x3E].contains(bytes[next])
    }

    // MARK: - Byte helpers

    /// Whether `signature` occurs exactly at `offset`.
    private static func matches(_ bytes: [UInt8], _ signature: [UInt8], at offset: Int) -> Bool {
        offset + signature.count <= bytes.count && bytes[offset..<offset + signature.count].elementsEqual(signature)
    }

    /// ASCII case-insensitive match of lowercase `text` at `offset`.
    private static func matchesCaseInsensitive(_ bytes: [UInt8], _ text: String, at offset: Int) -> Bool {
        matchesCaseInsensitive(bytes, Array(text.utf8), at: offset)
    }

    /// `pattern` must be lowercase ASCII.
    private static func matchesCaseInsensitive(_ bytes: [UInt8], _ pattern: [UInt8], at offset: Int) -> Bool {
        guard offset + pattern.count <= bytes.count else { return false }
        for (position, expected) in pattern.enumerated() {
            var byte = bytes[offset + position]
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 0x20 }
            if byte != expected { return false }
        }
        return true
    }

    /// The offset just past the first occurrence of `text` at or after `start`.
    private static func find(_ bytes: [UInt8], _ text: String, from start: Int) -> Int? {
        find(bytes, Array(text.utf8), from: start)
    }

    /// The offset just past the first occurrence of `pattern` at or after `start`.
    private static func find(_ bytes: [UInt8], _ pattern: [UInt8], from start: Int) -> Int? {
        var offset = start
        while offset + pattern.count <= bytes.count {
            if matches(bytes, pattern, at: offset) { return offset + pattern.count }
            offset += 1
        }
        return nil
    }
}
