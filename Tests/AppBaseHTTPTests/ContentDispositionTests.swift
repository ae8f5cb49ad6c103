import Testing

@testable import AppBaseHTTP

@Suite("ContentDisposition")
struct ContentDispositionTests {
    @Test func plainNames() {
        #expect(ContentDisposition(.attachment).headerValue == "attachment")
        #expect(ContentDisposition(.inline, filename: "report.pdf").headerValue
            == "inline; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")
        #expect(ContentDisposition(.attachment, filename: "a b.txt").headerValue
            == "attachment; filename=\"a b.txt\"; filename*=UTF-8''a%20b.txt")
    }

    @Test func hostileNames() {
        #expect(ContentDisposition(.attachment, filename: "say \"hi\".txt").headerValue
            == "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt")
        #expect(ContentDisposition(.attachment, filename: "../../etc/passwd").headerValue
            == "attachment; filename=\"....etcpasswd\"; filename*=UTF-8''....etcpasswd")
        #expect(ContentDisposition(.attachment, filename: "..\\..\\boot.ini").headerValue
            == "attachment; filename=\".._.._boot.ini\"; filename*=UTF-8''.._.._boot.ini")
        #expect(ContentDisposition(.attachment, filename: "a\u{0}b\r\nSet-Cookie: x=1.txt").headerValue
            == "attachment; filename=\"a_b__Set-Cookie: x=1.txt\"; filename*=UTF-8''a_b__Set-Cookie%3A%20x%3D1.txt")
        #expect(ContentDisposition(.attachment, filename: "party 🎉👍🏽.png").headerValue
            == "attachment; filename=\"party __.png\"; filename*=UTF-8''party%20%F0%9F%8E%89%F0%9F%91%8D%F0%9F%8F%BD.png")
        #expect(ContentDisposition(.attachment, filename: "naïve;%20.txt").headerValue
            == "attachment; filename=\"na_ve;%20.txt\"; filename*=UTF-8''na%C3%AFve%3B%2520.txt")
        #expect(ContentDisposition(.attachment, filename: "   ").headerValue == "attachment")
        #expect(ContentDisposition(.attachment, filename: "///").headerValue == "attachment")
        #expect(ContentDisposition(.attachment, filename: "").headerValue == "attachment")
        // The header value never contains raw control or non-ASCII bytes.
        for name in ["\u{7F}\u{85}x", "日本語.txt", "\u{202E}gpj.exe", "tab\there"] {
            let value = ContentDisposition(.inline, filename: name).headerValue
            #expect(value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "\(value)")
        }
    }

    @Test func inlineSafety() {
        let inline = [
            "image/png", "image/jpeg", "IMAGE/JPEG", "image/gif", "image/webp", "image/bmp", "image/avif", "image/x-icon",
            "image/vnd.microsoft.icon", "application/pdf", "audio/mpeg", "audio/ogg", "video/mp4", "video/webm",
            "text/plain", "text/plain; charset=utf-8", " Text/Plain ;charset=\"utf-8\"",
        ]
        for type in inline {
            #expect(ContentDisposition.isInlineSafe(contentType: type), "\(type)")
            #expect(ContentDisposition(contentType: type).disposition == .inline)
        }
        let attachment = [
            "text/html", "image/svg+xml", "application/xml", "text/xml", "application/xhtml+xml",
            "application/javascript", "text/javascript", "application/json", "application/octet-stream", "",
            "image/tiff", "image/heic", "text/css", "text/csv", "application/zip", "audio", "video/", "audio/",
            "textplain", "multipart/form-data", "application/x-shockwave-flash", "text/plain2",
        ]
        for type in attachment {
            #expect(!ContentDisposition.isInlineSafe(contentType: type), "\(type)")
            #expect(ContentDisposition(contentType: type).disposition == .attachment)
        }
    }
}
