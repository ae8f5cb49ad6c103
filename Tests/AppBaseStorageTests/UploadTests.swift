import AppBaseCore
import Testing
import AppBaseTestSupport

@Suite("Storage uploads")
struct UploadTests {
    static let hello = Array("hello, storage".utf8)
    static let helloSHA = "60cf5d8443f540bb5a9928546a853dd36ae36a5d22fe246a7394378e72ff8406"
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)

    @Test func rawUploadReturnsMetadataAndStoresTheBytes() async throws {
        let app = try await StorageTestApp.start()
        let created = try await app.upload(Self.hello, contentType: "text/plain; charset=utf-8", name: "hello.txt")
        #expect(created.status == 201, "\(created.bodyText)")
        let json = created.json
        #expect(json["bucket"] == "docs")
        #expect(json["name"] == "hello.txt")
        #expect(json["size"] == .int(Int64(Self.hello.count)))
        #expect(json["contentType"] == "text/plain; charset=utf-8")
        #expect(json["sha256"] == .string(Self.helloSHA))
        #expect(json["version"] == 1)
        #expect(json["ownerId"] == "user-alice")
        #expect(json["createdAt"]?.stringValue.flatMap(Timestamp.parse) == app.clock.nowMilliseconds())
        let id = try #require(json["id"]?.stringValue)
        #expect(Identifier.isUUID(id))
        let download = try await app.request("GET", "/storage/buckets/docs/\(id)")
        #expect(download.status == 200)
        #expect(download.body == Self.hello)
        #expect(app.temporaryFiles.isEmpty)
        #expect(app.blobFiles.count == 1)
        let events = await app.auditEvents()
        #expect(events.map(\.action) == ["file.upload"])
        #expect(events.first?.details["fileId"] == id)
        #expect(events.first?.details["size"] == "\(Self.hello.count)")
        #expect(events.first?.details["bucket"] == "docs")
        #expect(events.first?.actor.userID == "user-alice")
        #expect(events.first?.requestID != nil)
        await app.stop()
    }

    @Test(arguments: ["lone%ED%A0%80surrogate", "bad%FFbyte", "cut%E2%82", "malformed%G1"])
    func rawUploadNameThatIsNotPercentEncodedUTF8IsRefused(encoded: String) async throws {
        let app = try await StorageTestApp.start()
        let response = try await app.request("POST", "/storage/buckets/docs/upload?name=\(encoded)",
                                             headers: [("Content-Type", "text/plain")], body: Self.hello)
        #expect(response.status == 400, "\(response.bodyText)")
        #expect(response.errorCode == "bad_request")
        #expect(app.blobFiles.isEmpty)
        await app.stop()
    }

    @Test func rawUploadNameIsPercentDecoded() async throws {
        let app = try await StorageTestApp.start()
        let response = try await app.request("POST", "/storage/buckets/docs/upload?name=r%C3%A9sum%C3%A9+v2.txt",
                                             headers: [("Content-Type", "text/plain")], body: Self.hello)
        #expect(response.status == 201, "\(response.bodyText)")
        #expect(response.json["name"] == "résumé v2.txt")
        await app.stop()
    }

    @Test func multipartUploadTakesTheNameFieldAndThePartType() async throws {
        let app = try await StorageTestApp.start()
        let body = MultipartBody.make([
            .field(name: "name", value: "report ✓.txt"),
            .file(filename: "ignored.txt", contentType: "text/plain", bytes: Self.hello),
            .field(name: "extra", value: "ignored"),
        ])
        let response = try await app.request("POST", "/storage/buckets/docs/upload",
                                             headers: [("Content-Type", MultipartBody.contentType)], body: body)
        #expect(response.status == 201, "\(response.bodyText)")
        #expect(response.json["name"] == "report ✓.txt")
        #expect(response.json["contentType"] == "text/plain")
        #expect(response.json["sha256"] == .string(Self.helloSHA))
        await app.stop()
    }

    @Test func multipartUploadFallsBackToTheFileName() async throws {
        let app = try await StorageTestApp.start()
        let body = MultipartBody.make([.file(filename: "scan.png", contentType: "image/png", bytes: Self.png)])
        let response = try await app.request("POST", "/storage/buckets/docs/upload",
                                             headers: [("Content-Type", MultipartBody.contentType)], body: body)
        #expect(response.status == 201, "\(response.bodyText)")
        #expect(response.json["name"] == "scan.png")
        #expect(response.json["size"] == .int(Int64(Self.png.count)))
        await app.stop()
    }

    /// The body arrives in segments cut inside the delimiter, its CRLF, the part headers, the
    /// closing dashes and right after the file bytes.
    @Test func multipartBodySplitAtAwkwardBoundariesOverTheSocket() async throws {
        let app = try await StorageTestApp.start()
        let file = Array("line one\r\n--not-a-boundary\r\n\r".utf8) + Self.png
        let body = MultipartBody.make([.field(name: "name", value: "split.bin"),
                                       .file(filename: "x.bin", contentType: nil, bytes: file)])
        let delimiter = Array("\r\n--\(MultipartBody.boundary)".utf8)
        var cuts: Set<Int> = [1, 2, 3, body.count - 1, body.count - 2, body.count - 3]
        var index = 0
        while index + delimiter.count <= body.count {
            if Array(body[index..<index + delimiter.count]) == delimiter {
                for offset in [0, 1, 2, 3, 5, delimiter.count - 1, delimiter.count, delimiter.count + 1] { cuts.insert(index + offset) }
            }
            index += 1
        }
        let splits = cuts.filter { $0 > 0 && $0 < body.count }.sorted()
        let response = try await app.split("POST", "/storage/buckets/docs/upload",
                                           headers: [("Content-Type", MultipartBody.contentType)], body: body, at: splits)
        #expect(response.status == 201, "\(response.bodyText)")
        let id = try #require(response.json["id"]?.stringValue)
        let download = try await app.request("GET", "/storage/buckets/docs/\(id)")
        #expect(download.body == file)
        #expect(response.json["name"] == "split.bin")
        await app.stop()
    }

    @Test func chunkedRawUpload() async throws {
        let app = try await StorageTestApp.start()
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let chunks = stride(from: 0, to: bytes.count, by: 7_777).map { Array(bytes[$0..<min($0 + 7_777, bytes.count)]) }
        let response = try await app.chunked("POST", "/storage/buckets/docs/upload?name=big.bin",
                                             headers: [("Content-Type", "application/octet-stream")], chunks: chunks)
        #expect(response.status == 201, "\(response.bodyText)")
        #expect(response.json["size"] == .int(Int64(bytes.count)))
        #expect(response.json["contentType"] == "application/octet-stream")
        let id = try #require(response.json["id"]?.stringValue)
        let download = try await app.request("GET", "/storage/buckets/docs/\(id)")
        #expect(download.body == bytes)
        await app.stop()
    }

    @Test func zeroByteFiles() async throws {
        let app = try await StorageTestApp.start()
        let raw = try await app.upload([], contentType: nil, name: "empty")
        #expect(raw.status == 201, "\(raw.bodyText)")
        #expect(raw.json["size"] == 0)
        #expect(raw.json["sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(raw.json["contentType"] == "application/octet-stream")
        let multipart = try await app.request(
            "POST", "/storage/buckets/docs/upload", headers: [("Content-Type", MultipartBody.contentType)],
            body: MultipartBody.make([.file(filename: "empty.png", contentType: "image/png", bytes: [])]))
        #expect(multipart.status == 201, "\(multipart.bodyText)")
        #expect(multipart.json["size"] == 0)
        let id = try #require(raw.json["id"]?.stringValue)
        let download = try await app.request("GET", "/storage/buckets/docs/\(id)")
        #expect(download.status == 200)
        #expect(download.header("Content-Length") == "0")
        #expect(download.body.isEmpty)
        await app.stop()
    }

    @Test func missingTypeIsSniffedAndContradictedTypeIsRefused() async throws {
        let app = try await StorageTestApp.start()
        let sniffed = try await app.upload(Self.png, contentType: nil)
        #expect(sniffed.json["contentType"] == "image/png")
        let html = Array("<!DOCTYPE html><script>alert(1)</script>".utf8)
        let lying = try await app.upload(html, contentType: "image/png")
        #expect(lying.status == 415)
        #expect(lying.errorCode == "unsupported_media_type")
        let plain = try await app.upload(html, contentType: "text/plain")
        #expect(plain.status == 415)
        let garbage = try await app.upload(Self.hello, contentType: "not a type")
        #expect(garbage.status == 415)
        #expect(app.temporaryFiles.isEmpty)
        #expect(app.blobFiles.count == 1)
        await app.stop()
    }

    static let malformedBodies: [(body: [UInt8], status: Int, code: String)] = {
        let noFile = MultipartBody.make([.field(name: "name", value: "x")])
        let unterminated = Array("--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc".utf8)
        let twoFiles = MultipartBody.make([.file(filename: "a", contentType: nil, bytes: [1]),
                                           .file(filename: "b", contentType: nil, bytes: [2])])
        let longName = MultipartBody.make([.file(filename: String(repeating: "n", count: 256), contentType: nil, bytes: [1])])
        let bulkyForm = MultipartBody.make([.field(name: "junk", value: String(repeating: "j", count: 300_000)),
                                            .file(filename: "a", contentType: nil, bytes: [1])])
        return [(noFile, 400, "validation_failed"), (unterminated, 400, "bad_request"), (twoFiles, 400, "bad_request"),
                (longName, 400, "validation_failed"), (bulkyForm, 400, "bad_request")]
    }()

    @Test(arguments: 0..<5)
    func malformedMultipartIsRefusedAndLeavesNothing(index: Int) async throws {
        let (body, status, code) = Self.malformedBodies[index]
        let app = try await StorageTestApp.start()
        let response = try await app.request("POST", "/storage/buckets/docs/upload",
                                             headers: [("Content-Type", MultipartBody.contentType)], body: body)
        #expect(response.status == status, "\(response.bodyText)")
        #expect(response.errorCode == code)
        #expect(app.temporaryFiles.isEmpty)
        #expect(app.blobFiles.isEmpty)
        #expect(try await app.count("storage_files") == 0)
        await app.stop()
    }

    @Test func bucketLimitsAreEnforcedWhileStreaming() async throws {
        let app = try await StorageTestApp.start()
        let created = try await app.request("POST", "/admin/buckets", as: .admin, body: Array("""
            {"name":"scans","maxFileBytes":100,"allowedTypes":["image/png","application/pdf"]}
            """.utf8))
        #expect(created.status == 201, "\(created.bodyText)")
        let fits = try await app.upload(Array(Self.png.prefix(100)), to: "scans", contentType: "image/png")
        #expect(fits.status == 201, "\(fits.bodyText)")
        let tooBig = try await app.upload(Self.png + [0], to: "scans", contentType: "image/png")
        #expect(tooBig.status == 413)
        #expect(tooBig.errorCode == "payload_too_large")
        let chunkedTooBig = try await app.chunked("POST", "/storage/buckets/scans/upload", headers: [("Content-Type", "image/png")],
                                                  chunks: [Array(Self.png.prefix(60)), Array(Self.png.suffix(48))])
        #expect(chunkedTooBig.status == 413)
        let wrongType = try await app.upload(Self.hello, to: "scans", contentType: "text/plain")
        #expect(wrongType.status == 415)
        let unknownType = try await app.upload(Self.hello, to: "scans", contentType: nil)
        #expect(unknownType.status == 415)
        let disguised = try await app.upload(Array("%PDF-1.7 but really".utf8), to: "scans", contentType: "image/png")
        #expect(disguised.status == 415)
        #expect(app.temporaryFiles.isEmpty)
        #expect(app.blobFiles.count == 1)
        #expect(try await app.count("storage_file_versions") == 1)
        await app.stop()
    }

    @Test func invalidBucketAndFileNamesAreRefused() async throws {
        let app = try await StorageTestApp.start()
        let badBucket = try await app.upload(Self.hello, to: "-leading-dash")
        #expect(badBucket.status == 400)
        #expect(badBucket.errorCode == "validation_failed")
        let longName = try await app.upload(Self.hello, name: String(repeating: "é", count: 128))
        #expect(longName.status == 400)
        let controlName = try await app.upload(Self.hello, name: "a\u{202E}txt.exe")
        #expect(controlName.status == 400)
        let okName = try await app.upload(Self.hello, name: String(repeating: "é", count: 127))
        #expect(okName.status == 201)
        await app.stop()
    }
}
