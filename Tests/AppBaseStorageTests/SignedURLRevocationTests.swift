import AppBaseCore
import AppBaseRuntime
import AppBaseTestSupport
import Synchronization
import Testing

/// A `UserStatusSource` whose disabled set a test changes.
final class DisabledUsers: UserStatusSource {
    private let ids = Mutex<Set<String>>([])
    func disable(_ id: String) { ids.withLock { _ = $0.insert(id) } }
    func isUserDisabled(_ userID: String) -> Bool { ids.withLock { $0.contains(userID) } }
}

/// Signed URLs can be revoked (issue 12 §5): changing the bucket's read rule, or disabling the file's
/// owner, makes URLs signed earlier answer 403 `invalid_signature` although they have not expired.
@Suite("Storage signed URLs: revocation")
struct SignedURLRevocationTests {
    @Test func changingTheReadRuleRevokesTheBucketsURLs() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(UploadTests.png, contentType: "image/png", name: "x.png")
        let (url, _) = try await SignedURLTests.sign(app, id)
        #expect(try await app.request("GET", url, as: .nobody).status == 200)

        // A change that leaves `read` alone keeps the URLs.
        let other = try await app.request("PATCH", "/admin/buckets/docs", as: .admin,
                                          body: Array(#"{"rules":{"delete":"admin"}}"#.utf8))
        #expect(other.status == 200, "\(other.bodyText)")
        #expect(try await app.request("GET", url, as: .nobody).status == 200)

        let tightened = try await app.request("PATCH", "/admin/buckets/docs", as: .admin,
                                              body: Array(#"{"rules":{"read":"admin"}}"#.utf8))
        #expect(tightened.status == 200, "\(tightened.bodyText)")
        let revoked = try await app.request("GET", url, as: .nobody)
        #expect(revoked.status == 403)
        #expect(revoked.errorCode == "invalid_signature")
        // An admin's URL signed under the new rule works.
        let (fresh, _) = try await SignedURLTests.sign(app, id, as: .admin)
        #expect(fresh.contains("&g=2&"))
        #expect(try await app.request("GET", fresh, as: .nobody).status == 200)
        await app.stop()
    }

    @Test func disablingTheOwnerRevokesURLsToTheirFiles() async throws {
        let users = DisabledUsers()
        let app = try await StorageTestApp.start(users: users)
        let alices = try await app.uploadID(UploadTests.png, as: .alice, contentType: "image/png", name: "a.png")
        let bobs = try await app.uploadID(UploadTests.png, as: .bob, contentType: "image/png", name: "b.png")
        let (alicesURL, _) = try await SignedURLTests.sign(app, alices)
        let (bobsURL, _) = try await SignedURLTests.sign(app, bobs, as: .bob)
        #expect(try await app.request("GET", alicesURL, as: .nobody).status == 200)

        users.disable("user-alice")
        let revoked = try await app.request("GET", alicesURL, as: .nobody)
        #expect(revoked.status == 403)
        #expect(revoked.errorCode == "invalid_signature")
        #expect(try await app.request("GET", bobsURL, as: .nobody).status == 200)
        await app.stop()
    }

    @Test func theGenerationCannotBeEditedInTheURL() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(UploadTests.png, contentType: "image/png", name: "x.png")
        let (url, _) = try await SignedURLTests.sign(app, id)
        for edited in [url.replacingFirst("&g=1&", with: "&g=2&"), url.replacingFirst("&g=1&", with: "&")] {
            let response = try await app.request("GET", edited, as: .nobody)
            #expect(response.status == 403)
            #expect(response.errorCode == "invalid_signature")
        }
        await app.stop()
    }
}
