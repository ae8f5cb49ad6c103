import AppBaseCore
import AppBaseStorage
import Testing
import AppBaseTestSupport

@Suite("Storage quotas")
struct QuotaTests {
    static func settings(app: Int64? = nil, user: Int64? = nil) -> StorageSettings {
        var settings = StorageSettings()
        settings.appQuotaBytes = app
        settings.userQuotaBytes = user
        return settings
    }

    /// Asserts a refused upload left nothing behind: no temp file, no extra blob or row.
    static func expectNothingLeft(_ app: StorageTestApp, blobs: Int, rows: Int) async throws {
        try await app.waitForUploadsToEnd()
        #expect(app.temporaryFiles.isEmpty)
        #expect(app.blobFiles.count == blobs)
        #expect(try await app.count("storage_file_versions") == rows)
    }

    @Test func exactlyAtTheAppQuotaFitsAndOneByteOverDoesNot() async throws {
        let app = try await StorageTestApp.start(settings: Self.settings(app: 100))
        #expect(try await app.upload(Array(repeating: 1, count: 60)).status == 201)
        let over = try await app.upload(Array(repeating: 2, count: 41))
        #expect(over.status == 413)
        #expect(over.errorCode == "quota_exceeded")
        try await Self.expectNothingLeft(app, blobs: 1, rows: 1)
        #expect(try await app.upload(Array(repeating: 3, count: 40)).status == 201)
        #expect(try await app.upload([9]).errorCode == "quota_exceeded")
        #expect(try await app.upload([]).status == 201)
        try await Self.expectNothingLeft(app, blobs: 3, rows: 3)
        await app.stop()
    }

    /// With a Content-Length the refusal comes before any body byte is sent.
    @Test func declaredLengthOverQuotaIsRefusedBeforeTheBody() async throws {
        let app = try await StorageTestApp.start(settings: Self.settings(app: 1000))
        let head = StorageTestApp.head("POST", "/storage/buckets/docs/upload", caller: .alice,
                                       headers: [("Content-Length", "1001"), ("Content-Type", "application/octet-stream")])
        let response = try await app.exchange([head], method: "POST")
        #expect(response.status == 413)
        #expect(response.errorCode == "quota_exceeded")
        try await Self.expectNothingLeft(app, blobs: 0, rows: 0)
        await app.stop()
    }

    /// A form's framing is bounded, so a declared length beyond quota + that bound cannot fit.
    @Test func declaredFormLengthOverQuotaIsRefusedBeforeTheBody() async throws {
        let app = try await StorageTestApp.start(settings: Self.settings(app: 1000))
        let head = StorageTestApp.head("POST", "/storage/buckets/docs/upload", caller: .alice,
                                       headers: [("Content-Length", "\(1000 + 256 * 1024 + 1)"),
                                                 ("Content-Type", MultipartBody.contentType)])
        let response = try await app.exchange([head], method: "POST")
        #expect(response.status == 413)
        #expect(response.errorCode == "quota_exceeded")
        try await Self.expectNothingLeft(app, blobs: 0, rows: 0)
        await app.stop()
    }

    @Test func chunkedUploadIsStoppedAsSoonAsItExceeds() async throws {
        let app = try await StorageTestApp.start(settings: Self.settings(app: 100_000))
        let chunk = Array(repeating: UInt8(5), count: 30_000)
        let response = try await app.chunked("POST", "/storage/buckets/docs/upload", chunks: Array(repeating: chunk, count: 6))
        #expect(response.status == 413)
        #expect(response.errorCode == "quota_exceeded")
        try await Self.expectNothingLeft(app, blobs: 0, rows: 0)
        let fits = try await app.chunked("POST", "/storage/buckets/docs/upload", chunks: Array(repeating: chunk, count: 3))
        #expect(fits.status == 201)
        await app.stop()
    }

    @Test func userQuotasAreSeparateAndVersionsCount() async throws {
        let app = try await StorageTestApp.start(settings: Self.settings(user: 50))
        let id = try await app.uploadID(Array(repeating: 1, count: 30))
        let secondVersion = try await app.request("PUT", "/storage/buckets/docs/\(id)", body: Array(repeating: 2, count: 21))
        #expect(secondVersion.errorCode == "quota_exceeded")
        #expect(try await app.request("PUT", "/storage/buckets/docs/\(id)", body: Array(repeating: 2, count: 20)).status == 200)
        #expect(try await app.upload([1], as: .alice).errorCode == "quota_exceeded")
        #expect(try await app.upload(Array(repeating: 1, count: 50), as: .bob).status == 201)
        let restore = try await app.request("POST", "/storage/buckets/docs/\(id)/versions/1/restore")
        #expect(restore.errorCode == "quota_exceeded")
        #expect(try await app.upload(Array(repeating: 1, count: 500), as: .admin).status == 201)
        #expect(try await app.request("DELETE", "/storage/buckets/docs/\(id)").status == 204)
        #expect(try await app.upload(Array(repeating: 1, count: 50), as: .alice).status == 201)
        try await Self.expectNothingLeft(app, blobs: 3, rows: 3)
        await app.stop()
    }

    /// Two uploads that each fit but not together, streaming at the same time: the quota is
    /// re-checked in the committing transaction, so exactly one wins.
    @Test func concurrentUploadsCannotOvershoot() async throws {
        let app = try await StorageTestApp.start(settings: Self.settings(app: 150))
        let body = Array(repeating: UInt8(7), count: 100)
        async let first = app.chunked("POST", "/storage/buckets/docs/upload", chunks: [Array(body[..<50]), Array(body[50...])])
        async let second = app.chunked("POST", "/storage/buckets/docs/upload", chunks: [Array(body[..<50]), Array(body[50...])])
        let statuses = try await [first.status, second.status].sorted()
        #expect(statuses == [201, 413])
        try await Self.expectNothingLeft(app, blobs: 1, rows: 1)
        await app.stop()
    }
}
