import AppBaseCore
import AppBaseStorage
import AppBaseTestSupport
import Testing

@Suite("Storage path traversal")
struct TraversalTests {
    /// Hostile values in every parameter: `{id}` is a real file's id, `{sig}` a real URL's query.
    static let attempts: [(method: String, path: String, status: Int)] = [
        ("POST", "/storage/buckets/%2e%2e/upload", 400),
        ("POST", "/storage/buckets/..%2F..%2Fetc/upload", 400),
        ("POST", "/storage/buckets/%2Fetc%2Fpasswd/upload", 400),
        ("POST", "/storage/buckets/docs%00/upload", 400),
        ("POST", "/storage/buckets/%00/upload", 400),
        ("POST", "/storage/buckets/%E2%80%AEdocs/upload", 400),
        ("POST", "/storage/buckets/d%C3%B6cs/upload", 400),
        ("POST", "/storage/buckets/docs%C0%AF/upload", 404),
        ("POST", "/storage/buckets/\(String(repeating: "a", count: 64))/upload", 400),
        ("POST", "/storage/buckets/docs/upload?name=a%00b", 400),
        ("POST", "/storage/buckets/docs/upload?name=%E2%80%AEtxt.exe", 400),
        ("GET", "/storage/buckets/docs/..%2F..%2Fapp.sqlite", 404),
        ("GET", "/storage/buckets/docs/%2Fetc%2Fpasswd", 404),
        ("GET", "/storage/buckets/docs/{id}%00", 404),
        ("GET", "/storage/buckets/docs/{id}%2F..", 404),
        ("GET", "/storage/buckets/docs/{ID}", 404),
        ("GET", "/storage/buckets/docs/..", 404),
        ("GET", "/storage/buckets/../../app.sqlite", 404),
        ("GET", "/storage/buckets/%2e%2e/{id}", 400),
        ("GET", "/storage/buckets/docs/{id}?version=..%2F1", 400),
        ("GET", "/storage/buckets/docs/{id}?version=-1", 400),
        ("GET", "/storage/buckets/docs/{id}/versions/..", 404),
        ("POST", "/storage/buckets/docs/{id}/versions/..%2F1/restore", 400),
        ("PUT", "/storage/buckets/docs/..%2F{id}", 404),
        ("DELETE", "/storage/buckets/docs/..%2F{id}", 404),
        ("GET", "/storage/buckets/docs?cursor=..%2F..%2F", 400),
        ("GET", "/storage/buckets/docs?prefix=..%2F", 200),
        ("GET", "/storage/signed/..%2F..%2Fapp.sqlite/{id}{sig}", 403),
        ("GET", "/storage/signed/docs/..%2F{id}{sig}", 403),
        ("GET", "/admin/buckets/..%2Fdocs", 400),
        ("DELETE", "/admin/buckets/%2e%2e", 400),
    ]

    @Test func hostileParametersNeverReachTheFileSystem() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("safe".utf8))
        let url = try await app.request("POST", "/storage/buckets/docs/\(id)/url", body: Array("{}".utf8)).json["url"]?.stringValue
        let query = "?" + (url?.split(separator: "?").last.map(String.init) ?? "")
        for attempt in Self.attempts {
            let path = attempt.path.replacingFirst("{id}", with: id).replacingFirst("{ID}", with: id.uppercased())
                .replacingFirst("{sig}", with: query)
            let caller: Caller = attempt.path.hasPrefix("/admin") ? .admin : .alice
            let response = try await app.request(attempt.method, path, as: caller, body: ["POST", "PUT"].contains(attempt.method) ? [1] : [])
            #expect(response.status == attempt.status, "\(attempt.method) \(path): \(response.bodyText)")
        }
        #expect(app.blobFiles.count == 1)
        #expect(TemporaryDirectory.list(app.root).filter { !$0.hasPrefix("app.sqlite") } == ["storage"])
        #expect(try await app.request("GET", "/storage/buckets/docs/\(id)").bodyText == "safe")
        await app.stop()
    }

    @Test func hostileMultipartFileNamesAreOnlyStored() async throws {
        let app = try await StorageTestApp.start()
        let body = MultipartBody.make([.file(filename: "../../../app.sqlite", contentType: nil, bytes: [1, 2, 3])])
        let response = try await app.request("POST", "/storage/buckets/docs/upload",
                                             headers: [("Content-Type", MultipartBody.contentType)], body: body)
        #expect(response.status == 201)
        #expect(response.json["name"] == "../../../app.sqlite")
        let id = try #require(response.json["id"]?.stringValue)
        let download = try await app.request("GET", "/storage/buckets/docs/\(id)")
        #expect(download.header("Content-Disposition") == "attachment; filename=\"......app.sqlite\"; filename*=UTF-8''......app.sqlite")
        #expect(app.blobFiles.allSatisfy(Identifier.isUUID))
        await app.stop()
    }
}

@Suite("Storage isolation between apps")
struct IsolationTests {
    @Test func filesUsageAndSignedURLsStayInTheirApp() async throws {
        var limited = StorageSettings()
        limited.appQuotaBytes = 10
        let alpha = try await StorageTestApp.start(app: "alpha", settings: limited)
        let beta = try await StorageTestApp.start(app: "beta", settings: limited)
        let id = try await alpha.uploadID(Array("alpha-only".utf8))
        #expect(try await beta.request("GET", "/storage/buckets/docs/\(id)", as: .admin).status == 404)
        #expect(try await beta.request("DELETE", "/storage/buckets/docs/\(id)", as: .admin).status == 404)
        let listed = try await beta.request("GET", "/storage/buckets/docs", as: .admin)
        #expect(listed.json["items"] == .array([]))
        let url = try #require(try await alpha.request("POST", "/storage/buckets/docs/\(id)/url",
                                                       body: Array("{}".utf8)).json["url"]?.stringValue)
        #expect(try await alpha.request("GET", url, as: .nobody).status == 200)
        let foreign = try await beta.request("GET", url, as: .nobody)
        #expect(foreign.status == 403)
        #expect(foreign.errorCode == "invalid_signature")
        // alpha's quota is full; beta's is untouched.
        #expect(try await alpha.upload([1]).errorCode == "quota_exceeded")
        #expect(try await beta.upload(Array(repeating: 1, count: 10)).status == 201)
        #expect(alpha.blobFiles.count == 1 && beta.blobFiles.count == 1)
        #expect(alpha.blobFiles != beta.blobFiles)
        await alpha.stop()
        await beta.stop()
    }

    /// The same app name with another master secret (a re-provisioned app) rejects old URLs.
    @Test func urlsAreBoundToTheAppsSecret() async throws {
        let first = try await StorageTestApp.start(app: "notes")
        let id = try await first.uploadID([1, 2, 3])
        let url = try #require(try await first.request("POST", "/storage/buckets/docs/\(id)/url",
                                                       body: Array("{}".utf8)).json["url"]?.stringValue)
        await first.stop(removeFiles: false)
        let second = try await StorageTestApp.start(app: "notes", root: first.root)
        #expect(try await second.request("GET", url, as: .nobody).errorCode == "invalid_signature")
        #expect(try await second.request("GET", "/storage/buckets/docs/\(id)").status == 200)
        await second.stop()
    }
}
