import Testing

import AppBaseHTTP
@testable import AppBaseStorage

@Suite("ContentSniffer")
struct ContentSnifferTests {
    private static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private static func ftyp(_ major: String, compatible: [String] = []) -> [UInt8] {
        let size = 16 + 4 * compatible.count
        return [0, 0, 0, UInt8(size)] + bytes("ftyp\(major)") + [0, 0, 0, 0] + compatible.flatMap { bytes($0) } + [0, 0, 0, 8]
    }

    @Test func binarySignatures() {
        let cases: [([UInt8], String)] = [
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], "image/png"),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0, 16] + Self.bytes("JFIF"), "image/jpeg"),
            (Self.bytes("GIF89a\u{1}\u{0}"), "image/gif"),
            (Self.bytes("GIF87a"), "image/gif"),
            (Self.bytes("RIFF") + [0x24, 0, 0, 0] + Self.bytes("WEBPVP8 "), "image/webp"),
            (Self.bytes("RIFF") + [0x24, 0, 0, 0] + Self.bytes("WAVEfmt "), "audio/wav"),
            (Self.bytes("RIFF") + [0x24, 0, 0, 0] + Self.bytes("AVI LIST"), "video/x-msvideo"),
            (Self.bytes("BM") + [0x36, 0x10, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 40, 0, 0, 0], "image/bmp"),
            ([0, 0, 1, 0, 1, 0, 16, 16], "image/x-icon"),
            ([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0], "image/tiff"),
            ([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8], "image/tiff"),
            (Self.ftyp("avif", compatible: ["mif1", "miaf"]), "image/avif"),
            (Self.ftyp("mif1", compatible: ["avif", "miaf"]), "image/avif"),
            (Self.ftyp("heic", compatible: ["mif1", "heic"]), "image/heic"),
            (Self.ftyp("mif1", compatible: ["heic"]), "image/heic"),
            (Self.ftyp("mif1"), "image/heif"),
            (Self.ftyp("isom", compatible: ["iso2", "avc1", "mp41"]), "video/mp4"),
            (Self.ftyp("mp42"), "video/mp4"),
            (Self.ftyp("qt  "), "video/quicktime"),
            (Self.ftyp("M4A ", compatible: ["isom"]), "audio/mp4"),
            (Self.ftyp("3gp5"), "video/3gpp"),
            (Self.bytes("%PDF-1.7\n%\u{E2}"), "application/pdf"),
            ([0x50, 0x4B, 0x03, 0x04, 0x14, 0, 6, 0] + Self.bytes("[Content_Types].xml"), "application/zip"),
            ([0x50, 0x4B, 0x05, 0x06] + Array(repeating: 0, count: 18), "application/zip"),
            ([0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 3], "application/gzip"),
            (Self.bytes("ID3") + [4, 0, 0, 0, 0, 0, 0], "audio/mpeg"),
            ([0xFF, 0xFB, 0x90, 0x64], "audio/mpeg"),  // MPEG-1 layer III, 128 kbit/s, 44.1 kHz
            ([0xFF, 0xF3, 0x84, 0xC4], "audio/mpeg"),  // MPEG-2 layer III
            ([0xFF, 0xF1, 0x50, 0x80], "audio/aac"),  // ADTS
            ([0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 1, 0x42, 0x82, 0x84] + Self.bytes("webm"), "video/webm"),
            ([0x1A, 0x45, 0xDF, 0xA3, 0xA3, 0x42, 0x82, 0x88] + Self.bytes("matroska"), "video/x-matroska"),
            (Self.bytes("OggS") + [0, 2] + Array(repeating: 0, count: 22) + Self.bytes("\u{1}vorbis"), "audio/ogg"),
            (Self.bytes("OggS") + [0, 2] + Array(repeating: 0, count: 22) + [0x80] + Self.bytes("theora"), "video/ogg"),
            (Self.bytes("fLaC\u{0}\u{0}\u{0}\u{22}"), "audio/flac"),
        ]
        for (prefix, type) in cases {
            #expect(ContentSniffer.sniff(prefix) == type, "\(type)")
        }
    }

    @Test func markupSignatures() {
        let cases: [(String, String)] = [
            ("<!DOCTYPE html><html><body>", "text/html"),
            ("<!doctype HTML>", "text/html"),
            ("  \r\n\t<HTML lang=en>", "text/html"),
            ("\u{FEFF}<html>", "text/html"),
            ("<script>alert(1)</script>", "text/html"),
            ("<ScRiPt src=//evil>", "text/html"),
            ("<iframe src=x>", "text/html"),
            ("<img src=x onerror=alert(1)>", "text/html"),
            ("<body onload=x>", "text/html"),
            ("<a href=x>", "text/html"),
            ("<p>hello", "text/html"),
            ("<br/>", "text/html"),
            ("<!-- comment --><html>", "text/html"),
            ("<!-- unterminated comment", "text/html"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\">", "image/svg+xml"),
            ("<SVG>", "image/svg+xml"),
            ("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">", "image/svg+xml"),
            ("<?xml version=\"1.0\"?><!-- Generator: Illustrator --><!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\">", "image/svg+xml"),
            ("<!-- Generator --> <svg width=\"1\">", "image/svg+xml"),
            ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">", "application/xml"),
            ("<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.xsl\"?><root/>", "application/xml"),
            ("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">", "text/html"),
        ]
        for (text, type) in cases {
            #expect(ContentSniffer.sniff(Array(text.utf8)) == type, "\(text.debugDescription)")
        }
    }

    @Test func noSignature() {
        let cases: [[UInt8]] = [
            [],
            Self.bytes("hello world"),
            Self.bytes("{\"json\": true}"),
            Self.bytes("name,age\nann,3"),
            Self.bytes("# Title\n<p>later</p>"),
            Self.bytes("<pre>not in the list"),
            Self.bytes("<svgfoo>"),
            Self.bytes("<htmlx>"),
            Self.bytes("BMW 3 series"),  // "BM" without a bitmap header
            Self.bytes("BM"),
            [0xFF, 0xFB, 0xF0, 0x64],  // frame sync with the invalid bitrate index 15
            [0xFF, 0xEB, 0x90, 0x64],  // reserved MPEG version
            [0, 0, 1, 0, 0, 0],  // icon with zero images
            [0x89, 0x50, 0x4E, 0x47],  // truncated PNG signature
        ]
        for prefix in cases {
            #expect(ContentSniffer.sniff(prefix) == nil, "\(prefix)")
        }
        // Any collection works, and only a prefix is examined.
        #expect(ContentSniffer.sniff(Self.bytes("%PDF-1.4")[...]) == "application/pdf")
        #expect(ContentSniffer.sniff(Self.bytes(String(repeating: " ", count: 2000) + "<html>")) == nil)
    }

    @Test func consistency() {
        let consistent: [(String, String?)] = [
            ("image/jpeg", "image/jpeg"),
            ("IMAGE/JPEG; q=1", "image/jpeg"),
            ("image/jpg", "image/jpeg"),
            ("image/png", "image/png"),
            ("text/plain", nil),
            ("text/plain; charset=utf-8", nil),
            ("application/json", nil),
            ("text/csv", nil),
            ("audio/mpeg", nil),  // MP3 may start with padding
            ("video/quicktime", nil),  // may start with a moov/mdat atom
            ("image/svg+xml", "image/svg+xml"),
            ("image/svg+xml", "application/xml"),
            ("image/svg+xml", nil),
            ("application/xml", "image/svg+xml"),
            ("application/atom+xml", "application/xml"),
            ("text/html", "text/html"),
            ("application/xhtml+xml", "application/xml"),
            ("text/markdown", "text/html"),
            ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"),
            ("application/epub+zip", "application/zip"),
            ("application/x-sketch", "application/zip"),  // unknown type: cannot tell
            ("application/octet-stream", "text/html"),
            ("", "image/png"),
            ("audio/x-m4a", "audio/mp4"),
            ("audio/aac", "audio/mp4"),
            ("video/mp4", "video/quicktime"),
            ("audio/webm", "video/webm"),
            ("video/webm", "video/x-matroska"),
            ("audio/x-wav", "audio/wav"),
            ("image/vnd.microsoft.icon", "image/x-icon"),
            ("image/heif", "image/heic"),
        ]
        for (declared, sniffed) in consistent {
            #expect(ContentSniffer.isConsistent(declared: declared, sniffed: sniffed), "\(declared) vs \(sniffed ?? "nil")")
        }
        let inconsistent: [(String, String?)] = [
            ("image/png", "text/html"),  // HTML disguised as an image
            ("image/png", "image/svg+xml"),
            ("image/jpeg", "image/png"),
            ("image/png", nil),  // a PNG always has its signature
            ("application/pdf", nil),
            ("application/zip", nil),
            ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "image/png"),
            ("text/plain", "text/html"),  // served inline, so no markup
            ("text/plain", "image/svg+xml"),
            ("text/plain", "application/zip"),
            ("text/csv", "application/pdf"),
            ("application/json", "text/html"),
            ("application/javascript", "text/html"),
            ("image/x-custom", "text/html"),
            ("video/mp4", "video/webm"),
            ("image/avif", "image/heic"),
            ("text/html", "application/pdf"),
        ]
        for (declared, sniffed) in inconsistent {
            #expect(!ContentSniffer.isConsistent(declared: declared, sniffed: sniffed), "\(declared) vs \(sniffed ?? "nil")")
        }
        // End to end: HTML uploaded as image/png.
        let html = Array("<!DOCTYPE html><script>steal()</script>".utf8)
        #expect(!ContentSniffer.isConsistent(declared: "image/png", sniffed: ContentSniffer.sniff(html)))
    }

    @Test func essence() {
        #expect(MediaType.essence(" Text/HTML ; charset=UTF-8") == "text/html")
        #expect(MediaType.essence("") == "")
    }
}
