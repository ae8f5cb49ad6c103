import AppBaseCore
import Testing
import AppBaseTestSupport

@Suite("Storage admin buckets")
struct AdminBucketTests {
    @Test func createReadUpdateDelete() async throws {
        let app = try await StorageTestApp.start()
        let created = try await app.request("POST", "/admin/buckets", as: .admin, body: Array("""
            {"name":"scans","rules":{"read":"authenticated"},"maxFileBytes":1000,"allowedTypes":["Image/PNG","image/*"],"versionsKept":3}
            """.utf8))
        #expect(created.status == 201, "\(created.bodyText)")
        #expect(created.json["rules"] == ["read": "authenticated", "create": "authenticated", "update": "owner", "delete": "owner"])
        #expect(created.json["allowedTypes"] == ["image/png", "image/*"])
        #expect(created.json["maxFileBytes"] == 1000)
        #expect(created.json["versionsKept"] == 3)
        let duplicate = try await app.request("POST", "/admin/buckets", as: .admin, body: Array(#"{"name":"scans"}"#.utf8))
        #expect(duplicate.status == 409)
        #expect(duplicate.errorCode == "conflict")

        let patched = try await app.request("PATCH", "/admin/buckets/scans", as: .admin,
                                            body: Array(#"{"maxFileBytes":null,"allowedTypes":null,"rules":{"delete":"admin"}}"#.utf8))
        #expect(patched.status == 200, "\(patched.bodyText)")
        #expect(patched.json["maxFileBytes"] == .int(1 << 30))
        #expect(patched.json["allowedTypes"] == .null)
        #expect(patched.json["rules"]?["delete"] == "admin")
        #expect(patched.json["rules"]?["read"] == "authenticated")
        #expect(patched.json["versionsKept"] == 3)

        _ = try await app.uploadID([1], to: "implicit")
        let listed = try await app.request("GET", "/admin/buckets", as: .admin)
        #expect(listed.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["implicit", "scans"])
        let implicit = try await app.request("GET", "/admin/buckets/implicit", as: .admin)
        #expect(implicit.json["rules"] == ["read": "owner", "create": "authenticated", "update": "owner", "delete": "owner"])
        #expect(implicit.json["versionsKept"] == 10)

        let fileID = try await app.uploadID(UploadTests.png, to: "scans", contentType: "image/png")
        #expect(app.blobFiles.count == 2)
        #expect(try await app.request("DELETE", "/admin/buckets/scans", as: .admin).status == 204)
        #expect(app.blobFiles.count == 1)
        #expect(try await app.request("GET", "/admin/buckets/scans", as: .admin).status == 404)
        #expect(try await app.request("GET", "/storage/buckets/scans/\(fileID)", as: .admin).status == 404)
        #expect(try await app.request("DELETE", "/admin/buckets/scans", as: .admin).status == 404)
        let actions = await app.auditEvents().map(\.action)
        #expect(actions.filter { $0.hasPrefix("bucket.") } == ["bucket.create", "bucket.update", "bucket.delete"])
        await app.stop()
    }

    @Test(arguments: [
        #"{"name":"x","unknown":1}"#, #"{"name":"x","maxFileBytes":0}"#, #"{"name":"x","maxFileBytes":"big"}"#,
        #"{"name":"x","versionsKept":0}"#, #"{"name":"x","versionsKept":100000}"#, #"{"name":"x","allowedTypes":["png"]}"#,
        #"{"name":"x","allowedTypes":"image/png"}"#, #"{"name":"../x"}"#, #"{"rules":{}}"#, "[]", "{",
    ])
    func invalidBucketBodies(body: String) async throws {
        let app = try await StorageTestApp.start()
        let response = try await app.request("POST", "/admin/buckets", as: .admin, body: Array(body.utf8))
        #expect(response.status == 400, "\(body): \(response.bodyText)")
        await app.stop()
    }

    @Test func bucketsCannotBeRenamedOrPatchedWhenMissing() async throws {
        let app = try await StorageTestApp.start()
        _ = try await app.request("POST", "/admin/buckets", as: .admin, body: Array(#"{"name":"a"}"#.utf8))
        #expect(try await app.request("PATCH", "/admin/buckets/a", as: .admin, body: Array(#"{"name":"b"}"#.utf8)).status == 400)
        #expect(try await app.request("PATCH", "/admin/buckets/zzz", as: .admin, body: Array("{}".utf8)).status == 404)
        #expect(try await app.request("POST", "/admin/buckets", as: .alice, body: Array(#"{"name":"c"}"#.utf8)).status == 403)
        await app.stop()
    }
}

@Suite("Storage lists")
struct ListTests {
    @Test func pagesWithPrefixLimitAndCursor() async throws {
        let app = try await StorageTestApp.start()
        for name in ["b/2.txt", "a/1.txt", "b/1.txt", "b/3.txt", "c.txt", "b", "bé.txt"] {
            _ = try await app.uploadID(Array(name.utf8), name: name)
        }
        var names: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            var path = "/storage/buckets/docs?prefix=b%2F&limit=2"
            if let cursor { path += "&cursor=\(cursor)" }
            let page = try await app.request("GET", path)
            #expect(page.status == 200, "\(page.bodyText)")
            names += page.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            cursor = page.json["nextCursor"]?.stringValue
            pages += 1
        } while cursor != nil && pages < 10
        #expect(names == ["b/1.txt", "b/2.txt", "b/3.txt"])
        #expect(pages == 2)
        let all = try await app.request("GET", "/storage/buckets/docs").json
        #expect(all["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                == ["a/1.txt", "b", "b/1.txt", "b/2.txt", "b/3.txt", "bé.txt", "c.txt"])
        #expect(all["nextCursor"] == .null)
        let unicode = try await app.request("GET", "/storage/buckets/docs?prefix=b%C3%A9").json
        #expect(unicode["items"]?.arrayValue?.count == 1)
        let first = try #require(all["items"]?.arrayValue?.first)
        #expect(first["size"] == 7)
        #expect(first["version"] == 1)
        await app.stop()
    }

    @Test func limitsAndUnknownBuckets() async throws {
        let app = try await StorageTestApp.start()
        for query in ["limit=0", "limit=1001", "limit=x", "prefix=\(String(repeating: "p", count: 256))", "cursor=zz"] {
            #expect(try await app.request("GET", "/storage/buckets/docs?\(query)").status == 400, "\(query)")
        }
        let empty = try await app.request("GET", "/storage/buckets/never-used")
        #expect(empty.status == 200)
        #expect(empty.json["items"] == .array([]))
        await app.stop()
    }
}
