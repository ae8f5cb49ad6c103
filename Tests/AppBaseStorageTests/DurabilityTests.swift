import AppBaseCore
import AppBaseTestSupport
import Testing
import AppBaseStorage

@Suite("Storage durability")
struct DurabilityTests {
    /// The three ways a body can be framed, each abandoned after 300 KB of a promised 10 MB.
    static let framings: [(name: String, headers: [(String, String)], body: [UInt8])] = {
        let partial = [UInt8](repeating: 0x41, count: 300_000)
        let multipartStart = Array("--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n".utf8)
        return [
            ("raw", [("Content-Length", "10000000"), ("Content-Type", "application/octet-stream")], partial),
            ("chunked", [("Transfer-Encoding", "chunked")], Array("493e0\r\n".utf8) + partial + [13, 10]),
            ("multipart", [("Content-Length", "10000000"), ("Content-Type", MultipartBody.contentType)], multipartStart + partial),
        ]
    }()

    @Test(arguments: 0..<3)
    func aClientThatDisconnectsMidUploadLeavesNothing(framing: Int) async throws {
        let app = try await StorageTestApp.start()
        let (_, headers, body) = Self.framings[framing]
        let head = StorageTestApp.head("POST", "/storage/buckets/docs/upload", caller: .alice, headers: headers)
        let client = try await app.connect()
        try await client.send(pieces: [head, body], pause: .zero)
        try await app.waitUntil("the upload streams into a temp file") { app in
            await app.service.activeUploadCount == 1 && !app.temporaryFiles.isEmpty
        }
        await client.reset()
        try await app.waitForUploadsToEnd()
        #expect(app.temporaryFiles.isEmpty)
        #expect(app.blobFiles.isEmpty)
        #expect(try await app.count("storage_files") == 0)
        #expect(try await app.count("storage_file_versions") == 0)
        #expect(await app.auditEvents().isEmpty)
        await app.stop()
    }

    /// A crash can leave a temp file (mid-upload) or a renamed blob whose row never committed;
    /// the next start removes both and keeps every blob that has a row.
    @Test func startUpRemovesWhatACrashLeftBehind() async throws {
        let first = try await StorageTestApp.start()
        let id = try await first.uploadID(Array("keep me".utf8))
        let kept = first.blobFiles
        await first.stop(removeFiles: false)

        let storage = first.root + "/storage"
        let orphan = Identifier.uuidV7(milliseconds: 1)
        try TemporaryDirectory.write(Array("half an upload".utf8), to: storage + "/tmp/\(Identifier.uuidV7(milliseconds: 2)).part")
        try TemporaryDirectory.write(Array("renamed, never committed".utf8), to: storage + "/blobs/\(orphan)")
        try TemporaryDirectory.write(Array("stray".utf8), to: storage + "/blobs/stray-name")

        let second = try await StorageTestApp.start(root: first.root)
        #expect(second.temporaryFiles.isEmpty)
        #expect(second.blobFiles == kept)
        let download = try await second.request("GET", "/storage/buckets/docs/\(id)")
        #expect(download.status == 200)
        #expect(download.bodyText == "keep me")
        await second.stop()
    }

    @Test func startUpCreatesTheStorageDirectories() async throws {
        let app = try await StorageTestApp.start()
        #expect(TemporaryDirectory.exists(app.root + "/storage/tmp"))
        #expect(TemporaryDirectory.exists(app.root + "/storage/blobs"))
        await app.stop()
    }

    /// Only server-generated ids ever name files on disk.
    @Test func onDiskNamesAreServerIds() async throws {
        let app = try await StorageTestApp.start()
        _ = try await app.uploadID([1], name: "../../../../etc/passwd")
        _ = try await app.uploadID([2], name: "/etc/shadow")
        _ = try await app.uploadID([3], name: "C:\\Windows\\system.ini")
        #expect(app.blobFiles.count == 3)
        #expect(app.blobFiles.allSatisfy(Identifier.isUUID))
        #expect(TemporaryDirectory.list(app.root).filter { !$0.hasPrefix("app.sqlite") } == ["storage"])
        #expect(TemporaryDirectory.list(app.root + "/storage") == ["blobs", "tmp"])
        await app.stop()
    }
}
