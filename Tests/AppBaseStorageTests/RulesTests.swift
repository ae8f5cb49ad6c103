import AppBaseCore
import Testing
import AppBaseTestSupport

@Suite("Storage rules")
struct RulesTests {
    /// One request and what it must produce.
    struct Scenario: Sendable, CustomStringConvertible {
        var name: String
        var caller: Caller
        var method: String
        /// `{id}` is replaced by alice's file id.
        var path: String
        var body: String = ""
        var status: Int
        var code: String? = nil
        var description: String { name }
    }

    /// Runs scenarios against a fresh app where alice owns one file in `docs`, whose rules an
    /// admin then changes to `rules` (if given).
    static func run(_ scenarios: [Scenario], rules: String? = nil) async throws {
        let app = try await StorageTestApp.start()
        let id = try await app.uploadID(Array("alice's".utf8), as: .alice)
        if let rules {
            let changed = try await app.request("PATCH", "/admin/buckets/docs", as: .admin,
                                                body: Array(#"{"rules":\#(rules)}"#.utf8))
            #expect(changed.status == 200, "\(changed.bodyText)")
        }
        for scenario in scenarios {
            let path = scenario.path.replacingFirst("{id}", with: id)
            let response = try await app.request(scenario.method, path, as: scenario.caller, body: Array(scenario.body.utf8))
            #expect(response.status == scenario.status, "\(scenario.name): \(response.bodyText)")
            if let code = scenario.code { #expect(response.errorCode == code, "\(scenario.name)") }
        }
        await app.stop()
    }

    @Test func defaultRulesOwnerReadsAuthenticatedCreates() async throws {
        try await Self.run([
            Scenario(name: "owner reads", caller: .alice, method: "GET", path: "/storage/buckets/docs/{id}", status: 200),
            Scenario(name: "other user cannot see it", caller: .bob, method: "GET", path: "/storage/buckets/docs/{id}",
                     status: 404, code: "not_found"),
            Scenario(name: "client key alone cannot see it", caller: .anonymous, method: "GET",
                     path: "/storage/buckets/docs/{id}", status: 404),
            Scenario(name: "admin key reads anything", caller: .admin, method: "GET", path: "/storage/buckets/docs/{id}", status: 200),
            Scenario(name: "no key", caller: .nobody, method: "GET", path: "/storage/buckets/docs/{id}", status: 401,
                     code: "missing_api_key"),
            Scenario(name: "other user's versions", caller: .bob, method: "GET", path: "/storage/buckets/docs/{id}/versions",
                     status: 404),
            Scenario(name: "other user cannot add a version", caller: .bob, method: "PUT", path: "/storage/buckets/docs/{id}",
                     body: "x", status: 404),
            Scenario(name: "other user cannot restore", caller: .bob, method: "POST",
                     path: "/storage/buckets/docs/{id}/versions/1/restore", status: 404),
            Scenario(name: "other user cannot sign", caller: .bob, method: "POST", path: "/storage/buckets/docs/{id}/url",
                     status: 404),
            Scenario(name: "other user cannot delete", caller: .bob, method: "DELETE", path: "/storage/buckets/docs/{id}",
                     status: 404),
            Scenario(name: "upload needs a user", caller: .anonymous, method: "POST", path: "/storage/buckets/docs/upload",
                     body: "x", status: 401, code: "missing_token"),
            Scenario(name: "any user may upload", caller: .bob, method: "POST", path: "/storage/buckets/docs/upload",
                     body: "x", status: 201),
            Scenario(name: "admin key may upload", caller: .admin, method: "POST", path: "/storage/buckets/docs/upload",
                     body: "x", status: 201),
            Scenario(name: "listing needs a user", caller: .anonymous, method: "GET", path: "/storage/buckets/docs",
                     status: 401, code: "missing_token"),
            Scenario(name: "client keys cannot manage buckets", caller: .alice, method: "GET", path: "/admin/buckets",
                     status: 403, code: "forbidden"),
            Scenario(name: "owner deletes", caller: .alice, method: "DELETE", path: "/storage/buckets/docs/{id}", status: 204),
        ])
    }

    @Test func publicReadAuthenticatedUpdateAdminDelete() async throws {
        try await Self.run([
            Scenario(name: "client key reads", caller: .anonymous, method: "GET", path: "/storage/buckets/docs/{id}", status: 200),
            Scenario(name: "client key lists", caller: .anonymous, method: "GET", path: "/storage/buckets/docs", status: 200),
            Scenario(name: "other user adds a version", caller: .bob, method: "PUT", path: "/storage/buckets/docs/{id}",
                     body: "bob's", status: 200),
            Scenario(name: "client key cannot add a version", caller: .anonymous, method: "PUT",
                     path: "/storage/buckets/docs/{id}", body: "x", status: 403),
            Scenario(name: "owner cannot delete", caller: .alice, method: "DELETE", path: "/storage/buckets/docs/{id}",
                     status: 403, code: "forbidden"),
            Scenario(name: "upload is admin only", caller: .alice, method: "POST", path: "/storage/buckets/docs/upload",
                     body: "x", status: 403),
            Scenario(name: "admin deletes", caller: .admin, method: "DELETE", path: "/storage/buckets/docs/{id}", status: 204),
        ], rules: #"{"read":"public","update":"authenticated","delete":"admin","create":"admin"}"#)
    }

    @Test func listsShowOnlyTheCallersFilesUnderTheOwnerRule() async throws {
        let app = try await StorageTestApp.start()
        _ = try await app.uploadID([1], as: .alice, name: "a1")
        _ = try await app.uploadID([2], as: .alice, name: "a2")
        _ = try await app.uploadID([3], as: .bob, name: "b1")
        _ = try await app.uploadID([4], as: .admin, name: "admin-only")
        func names(_ caller: Caller) async throws -> [String] {
            let items = try await app.request("GET", "/storage/buckets/docs", as: caller).json["items"]?.arrayValue ?? []
            return items.compactMap { $0["name"]?.stringValue }
        }
        #expect(try await names(.alice) == ["a1", "a2"])
        #expect(try await names(.bob) == ["b1"])
        #expect(try await names(.admin) == ["a1", "a2", "admin-only", "b1"])
        // A file with no owner (admin-key upload) is not "owned" by every user.
        let adminFile = try await app.uploadID([5], as: .admin)
        #expect(try await app.request("GET", "/storage/buckets/docs/\(adminFile)", as: .alice).status == 404)
        await app.stop()
    }

    @Test func invalidRulesAreRefused() async throws {
        let app = try await StorageTestApp.start()
        for body in [#"{"name":"b","rules":{"create":"public"}}"#, #"{"name":"b","rules":{"read":"everyone"}}"#,
                     #"{"name":"b","rules":{"list":"owner"}}"#, #"{"name":"b","rules":"owner"}"#] {
            let response = try await app.request("POST", "/admin/buckets", as: .admin, body: Array(body.utf8))
            #expect(response.status == 400, "\(body)")
            #expect(response.errorCode == "validation_failed")
        }
        await app.stop()
    }
}
