import AppBaseCore
import AppBaseHTTP
import Testing
import AppBaseTestSupport

@Suite("Storage downloads")
struct DownloadTests {
    static let digits = Array("0123456789".utf8)

    @Test func downloadCarriesEveryHeader() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Self.digits, contentType: "text/plain", name: "naïve \"quote\".txt")
        let response = try await app.request("GET", "/storage/buckets/docs/\(id)")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain")
        #expect(response.header("Content-Length") == "10")
        #expect(response.header("ETag") == "\"84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882\"")
        #expect(response.header("Last-Modified") == HTTPDate.format(app.clock.nowMilliseconds() / 1000))
        #expect(response.header("Accept-Ranges") == "bytes")
        #expect(response.header("X-Content-Type-Options") == "nosniff")
        #expect(response.header("Content-Security-Policy") == "sandbox; default-src 'none'")
        #expect(response.header("Content-Disposition")
                == "inline; filename=\"na_ve _quote_.txt\"; filename*=UTF-8''na%C3%AFve%20%22quote%22.txt")
        let head = try await app.request("HEAD", "/storage/buckets/docs/\(id)")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "10")
        #expect(head.header("ETag") == response.header("ETag"))
        #expect(head.body.isEmpty)
        await app.stop()
    }

    @Test(arguments: [
        ("bytes=0-0", 206, "0", "bytes 0-0/10"),
        ("bytes=9-9", 206, "9", "bytes 9-9/10"),
        ("bytes=-1", 206, "9", "bytes 9-9/10"),
        ("bytes=-3", 206, "789", "bytes 7-9/10"),
        ("bytes=-100", 206, "0123456789", "bytes 0-9/10"),
        ("bytes=5-", 206, "56789", "bytes 5-9/10"),
        ("bytes=2-4", 206, "234", "bytes 2-4/10"),
        ("bytes=8-1000", 206, "89", "bytes 8-9/10"),
        ("bytes=0-9", 206, "0123456789", "bytes 0-9/10"),
        ("bytes=0-1,3-4", 200, "0123456789", nil),
        ("bytes=abc", 200, "0123456789", nil),
        ("items=0-1", 200, "0123456789", nil),
        ("bytes=4-2", 200, "0123456789", nil),
    ] as [(String, Int, String, String?)])
    func rangeRequests(range: String, status: Int, body: String, contentRange: String?) async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Self.digits)
        let response = try await app.request("GET", "/storage/buckets/docs/\(id)", headers: [("Range", range)])
        #expect(response.status == status)
        #expect(response.bodyText == body)
        #expect(response.header("Content-Range") == contentRange)
        #expect(response.header("Content-Length") == "\(body.utf8.count)")
        await app.stop()
    }

    @Test func unsatisfiableRanges() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Self.digits)
        for range in ["bytes=10-", "bytes=10-20", "bytes=-0", "bytes=99999999999999999999999-"] {
            let response = try await app.request("GET", "/storage/buckets/docs/\(id)", headers: [("Range", range)])
            #expect(response.status == 416, "\(range)")
            #expect(response.errorCode == "range_not_satisfiable")
            #expect(response.header("Content-Range") == "bytes */10")
        }
        let empty = try await app.uploadID([])
        let response = try await app.request("GET", "/storage/buckets/docs/\(empty)", headers: [("Range", "bytes=0-")])
        #expect(response.status == 416)
        #expect(response.header("Content-Range") == "bytes */0")
        await app.stop()
    }

    @Test func ifRangeAndHeadIgnoreOrHonourTheRange() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Self.digits)
        let etag = try #require(try await app.request("HEAD", "/storage/buckets/docs/\(id)").header("ETag"))
        let matching = try await app.request("GET", "/storage/buckets/docs/\(id)", headers: [("Range", "bytes=0-1"), ("If-Range", etag)])
        #expect(matching.status == 206)
        let stale = try await app.request("GET", "/storage/buckets/docs/\(id)",
                                          headers: [("Range", "bytes=0-1"), ("If-Range", "\"0000\"")])
        #expect(stale.status == 200)
        #expect(stale.body == Self.digits)
        let head = try await app.request("HEAD", "/storage/buckets/docs/\(id)", headers: [("Range", "bytes=0-1")])
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "10")
        await app.stop()
    }

    @Test func conditionalRequestsAnswer304() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Self.digits)
        let first = try await app.request("GET", "/storage/buckets/docs/\(id)")
        let etag = try #require(first.header("ETag"))
        let lastModified = try #require(first.header("Last-Modified"))
        for value in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
            let response = try await app.request("GET", "/storage/buckets/docs/\(id)", headers: [("If-None-Match", value)])
            #expect(response.status == 304, "\(value)")
            #expect(response.body.isEmpty)
            #expect(response.header("ETag") == etag)
            #expect(response.header("X-Content-Type-Options") == "nosniff")
        }
        let changed = try await app.request("GET", "/storage/buckets/docs/\(id)", headers: [("If-None-Match", "\"other\"")])
        #expect(changed.status == 200)
        let since = try await app.request("GET", "/storage/buckets/docs/\(id)", headers: [("If-Modified-Since", lastModified)])
        #expect(since.status == 304)
        let before = try await app.request("GET", "/storage/buckets/docs/\(id)",
                                           headers: [("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")])
        #expect(before.status == 200)
        let headConditional = try await app.request("HEAD", "/storage/buckets/docs/\(id)", headers: [("If-None-Match", etag)])
        #expect(headConditional.status == 304)
        await app.stop()
    }

    /// HTML and SVG never render on our origin: attachment, nosniff, sandboxing CSP.
    @Test(arguments: [
        (Array("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>".utf8), "text/html", "attachment"),
        (Array("<html><body onload=alert(1)>".utf8), nil, "attachment"),
        (Array("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".utf8), "image/svg+xml", "attachment"),
        (Array("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".utf8), nil,
         "attachment"),
        (Array("alert(1)".utf8), "application/javascript", "attachment"),
        (Array("plain words".utf8), "text/plain", "inline"),
        (UploadTests.png, "image/png", "inline"),
        (Array("%PDF-1.7\n".utf8), "application/pdf", "inline"),
        (Array("some bytes".utf8), nil, "attachment"),
    ] as [([UInt8], String?, String)])
    func activeContentIsAnAttachment(bytes: [UInt8], contentType: String?, disposition: String) async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(bytes, contentType: contentType, name: "file")
        let response = try await app.request("GET", "/storage/buckets/docs/\(id)")
        #expect(response.status == 200)
        #expect(response.header("Content-Disposition")?.hasPrefix(disposition + ";") == true,
                "\(response.header("Content-Disposition") ?? "-") for \(contentType ?? "sniffed")")
        #expect(response.header("X-Content-Type-Options") == "nosniff")
        #expect(response.header("Content-Security-Policy") == "sandbox; default-src 'none'")
        await app.stop()
    }

    @Test func unknownFilesAndVersionsAre404() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Self.digits)
        let otherBucket = try await app.request("GET", "/storage/buckets/other/\(id)")
        #expect(otherBucket.status == 404)
        let missing = try await app.request("GET", "/storage/buckets/docs/01900000-0000-7000-8000-000000000000")
        #expect(missing.status == 404)
        let noVersion = try await app.request("GET", "/storage/buckets/docs/\(id)?version=2")
        #expect(noVersion.status == 404)
        let badVersion = try await app.request("GET", "/storage/buckets/docs/\(id)?version=0")
        #expect(badVersion.status == 400)
        await app.stop()
    }
}
