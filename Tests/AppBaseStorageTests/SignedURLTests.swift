import AppBaseCore
import AppBaseTestSupport
import Testing

@Suite("Storage signed URLs")
struct SignedURLTests {
    /// Creates a signed URL for `id` and returns it.
    static func sign(_ app: StorageTestApp, _ id: String, body: String = "{}",
                     as caller: Caller = .alice) async throws -> (url: String, response: RawHTTPResponse) {
        let response = try await app.request("POST", "/storage/buckets/docs/\(id)/url", as: caller, body: Array(body.utf8))
        return (response.json["url"]?.stringValue ?? "", response)
    }

    @Test func signedURLDownloadsWithoutAnyHeaderUntilItExpires() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(UploadTests.png, contentType: "image/png", name: "x.png")
        let (url, response) = try await Self.sign(app, id)
        #expect(response.status == 200, "\(response.bodyText)")
        #expect(url.hasPrefix("/storage/signed/docs/\(id)?v=1&g=1&exp="))
        let expiresAt = try #require(response.json["expiresAt"]?.stringValue.flatMap(Timestamp.parse))
        #expect(expiresAt == (app.clock.nowMilliseconds() / 1000 + 3600) * 1000)

        let download = try await app.request("GET", url, as: .nobody)
        #expect(download.status == 200, "\(download.bodyText)")
        #expect(download.body == UploadTests.png)
        #expect(download.header("Content-Disposition")?.hasPrefix("inline") == true)
        #expect(download.header("X-Content-Type-Options") == "nosniff")
        let ranged = try await app.request("GET", url, as: .nobody, headers: [("Range", "bytes=0-3")])
        #expect(ranged.status == 206)

        app.clock.advance(seconds: 3599)
        #expect(try await app.request("GET", url, as: .nobody).status == 200)
        app.clock.advance(seconds: 1)
        let expired = try await app.request("GET", url, as: .nobody)
        #expect(expired.status == 403)
        #expect(expired.errorCode == "url_expired")
        await app.stop()
    }

    @Test func aSignedURLPinsItsVersion() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("first".utf8))
        let (url, _) = try await Self.sign(app, id)
        _ = try await app.request("PUT", "/storage/buckets/docs/\(id)", body: Array("second".utf8))
        #expect(try await app.request("GET", url, as: .nobody).bodyText == "first")
        let (current, _) = try await Self.sign(app, id)
        #expect(try await app.request("GET", current, as: .nobody).bodyText == "second")
        let (old, response) = try await Self.sign(app, id, body: #"{"version":1,"expiresIn":60}"#)
        #expect(response.status == 200)
        #expect(try await app.request("GET", old, as: .nobody).bodyText == "first")
        let (_, missing) = try await Self.sign(app, id, body: #"{"version":9}"#)
        #expect(missing.status == 404)
        await app.stop()
    }

    @Test func tamperingIsRefused() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("secret".utf8))
        let other = try await app.uploadID(Array("other".utf8))
        _ = try await app.request("PUT", "/storage/buckets/docs/\(id)", body: Array("v2".utf8))
        let (url, _) = try await Self.sign(app, id, body: #"{"version":1}"#)
        let signature = String(url.split(separator: "&sig=").last ?? "")
        let expiry = String(url.split(separator: "&exp=").last?.split(separator: "&").first ?? "")
        var flipped = Array(signature.utf8)
        flipped[0] = flipped[0] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let tampered = [
            url.replacingFirst("v=1", with: "v=2"),
            url.replacingFirst("exp=\(expiry)", with: "exp=\((Int64(expiry) ?? 0) + 86_400)"),
            url.replacingFirst(id, with: other),
            url.replacingFirst("/docs/", with: "/docs2/"),
            url.replacingFirst(signature, with: String(decoding: flipped, as: UTF8.self)),
            url.replacingFirst("&sig=\(signature)", with: ""),
            url.replacingFirst(signature, with: signature + "A"),
            url.replacingFirst(signature, with: String(signature.dropLast())),
            url.replacingFirst("v=1", with: "v=01"),
            url.replacingFirst("v=1", with: "v=-1"),
            "/storage/signed/docs/\(id)",
        ]
        for candidate in tampered {
            let response = try await app.request("GET", candidate, as: .nobody)
            #expect(response.status == 403, "\(candidate)")
            #expect(response.errorCode == "invalid_signature", "\(candidate)")
        }
        app.clock.advance(seconds: 7200)
        let expiredAndTampered = try await app.request("GET", url.replacingFirst("v=1", with: "v=2"), as: .nobody)
        #expect(expiredAndTampered.errorCode == "invalid_signature")
        await app.stop()
    }

    @Test func lifetimeIsCappedAtSevenDays() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("x".utf8))
        let (url, atCap) = try await Self.sign(app, id, body: #"{"expiresIn":604800}"#)
        #expect(atCap.status == 200)
        for body in [#"{"expiresIn":604801}"#, #"{"expiresIn":0}"#, #"{"expiresIn":-5}"#, #"{"expiresIn":"1h"}"#,
                     #"{"expiresIn":1.5}"#, #"{"other":1}"#, "not json"] {
            let (_, response) = try await Self.sign(app, id, body: body)
            #expect(response.status == 400, "\(body)")
        }
        app.clock.advance(seconds: 604_799)
        #expect(try await app.request("GET", url, as: .nobody).status == 200)
        app.clock.advance(seconds: 1)
        #expect(try await app.request("GET", url, as: .nobody).errorCode == "url_expired")
        await app.stop()
    }

    @Test func aDeletedFileIs404AndOthersMayNotSign() async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("x".utf8))
        let (url, _) = try await Self.sign(app, id)
        let bobSigns = try await app.request("POST", "/storage/buckets/docs/\(id)/url", as: .bob, body: Array("{}".utf8))
        #expect(bobSigns.status == 404)
        #expect(try await app.request("DELETE", "/storage/buckets/docs/\(id)").status == 204)
        let gone = try await app.request("GET", url, as: .nobody)
        #expect(gone.status == 404)
        await app.stop()
    }
}

extension String {
    /// The string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
