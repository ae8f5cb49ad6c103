import AppBaseCore
import Testing
import AppBaseTestSupport

@Suite("Storage versions")
struct VersionTests {
    @Test func newVersionsRestoreAndHistory() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("one".utf8), name: "notes.txt")
        app.clock.advance(seconds: 10)
        let second = try await app.request("PUT", "/storage/buckets/docs/\(id)", body: Array("two!".utf8))
        #expect(second.status == 200, "\(second.bodyText)")
        #expect(second.json["version"] == 2)
        #expect(second.json["size"] == 4)
        #expect(second.json["name"] == "notes.txt")
        #expect(second.json["id"] == .string(id))

        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)").bodyText == "two!")
        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)?version=1").bodyText == "one")
        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)?version=2").bodyText == "two!")

        app.clock.advance(seconds: 10)
        let restored = try await app.request("POST", "/storage/buckets/docs/\(id)/versions/1/restore")
        #expect(restored.status == 200, "\(restored.bodyText)")
        #expect(restored.json["version"] == 3)
        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)").bodyText == "one")

        let history = try await app.request("GET", "/storage/buckets/docs/\(id)/versions")
        #expect(history.status == 200)
        let items = try #require(history.json["items"]?.arrayValue)
        #expect(items.map { $0["version"] } == [3, 2, 1])
        #expect(items[0]["sha256"] == items[2]["sha256"])
        #expect(items[0]["size"] == 3)
        #expect(items[1]["contentType"] == "application/octet-stream")
        #expect(items[0]["ownerId"] == "user-alice")
        #expect(items[0]["createdAt"]?.stringValue.flatMap(Timestamp.parse) == app.clock.nowMilliseconds())
        #expect(app.blobFiles.count == 3)
        #expect(await app.auditEvents().map(\.action) == ["file.upload", "file.version", "file.restore"])
        await app.stop()
    }

    @Test func putWithANameRenamesAndMultipartWorksToo() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("one".utf8), name: "a.txt")
        let renamed = try await app.request("PUT", "/storage/buckets/docs/\(id)?name=b.txt", body: Array("two".utf8))
        #expect(renamed.json["name"] == "b.txt")
        let multipart = try await app.request(
            "PUT", "/storage/buckets/docs/\(id)", headers: [("Content-Type", MultipartBody.contentType)],
            body: MultipartBody.make([.file(filename: "c.txt", contentType: "text/plain", bytes: Array("three".utf8))]))
        #expect(multipart.status == 200, "\(multipart.bodyText)")
        #expect(multipart.json["name"] == "c.txt")
        #expect(multipart.json["version"] == 3)
        #expect(multipart.json["contentType"] == "text/plain")
        await app.stop()
    }

    @Test func oldestVersionsArePrunedWithTheirBytes() async throws {
        let app = try await StorageTestApp.start()
        let bucket = try await app.request("POST", "/admin/buckets", as: .admin, body: Array(#"{"name":"docs","versionsKept":2}"#.utf8))
        #expect(bucket.status == 201, "\(bucket.bodyText)")
        let id = try await app.uploadID(Array("v1".utf8))
        for content in ["v2", "v3", "v4"] {
            let response = try await app.request("PUT", "/storage/buckets/docs/\(id)", body: Array(content.utf8))
            #expect(response.status == 200)
        }
        let items = try #require(try await app.request("GET", "/storage/buckets/docs/\(id)/versions").json["items"]?.arrayValue)
        #expect(items.map { $0["version"] } == [4, 3])
        #expect(app.blobFiles.count == 2)
        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)?version=1").status == 404)
        let restorePruned = try await app.request("POST", "/storage/buckets/docs/\(id)/versions/1/restore")
        #expect(restorePruned.status == 404)
        let restoreKept = try await app.request("POST", "/storage/buckets/docs/\(id)/versions/3/restore")
        #expect(restoreKept.status == 200)
        #expect(restoreKept.json["version"] == 5)
        #expect(app.blobFiles.count == 2)
        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)").bodyText == "v3")
        await app.stop()
    }

    @Test func deleteRemovesEveryVersionAndItsBytes() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("one".utf8))
        _ = try await app.request("PUT", "/storage/buckets/docs/\(id)", body: Array("two".utf8))
        let keep = try await app.uploadID(Array("other".utf8))
        #expect(app.blobFiles.count == 3)
        let deleted = try await app.request("DELETE", "/storage/buckets/docs/\(id)")
        #expect(deleted.status == 204)
        #expect(app.blobFiles.count == 1)
        #expect(try await app.count("storage_file_versions") == 1)
        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)").status == 404)
        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)?version=1").status == 404)
        #expect(try await app.request("DELETE", "/storage/buckets/docs/\(id)").status == 404)
        #expect(try await app.request("GET", "/storage/buckets/docs/\(keep)").bodyText == "other")
        let deleteEvent = await app.auditEvents().last
        #expect(deleteEvent?.action == "file.delete")
        #expect(deleteEvent?.target == "docs/\(id)")
        await app.stop()
    }

    @Test func restoreValidatesTheVersion() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("one".utf8))
        #expect(try await app.request("POST", "/storage/buckets/docs/\(id)/versions/0/restore").status == 400)
        #expect(try await app.request("POST", "/storage/buckets/docs/\(id)/versions/abc/restore").status == 400)
        #expect(try await app.request("POST", "/storage/buckets/docs/\(id)/versions/7/restore").status == 404)
        await app.stop()
    }
}
