import AppBaseCore
import Testing

/// `"unique": "owner"` scopes a unique index to one owner's records (issue 12 §5): a user's 409 then
/// says nothing about other users' values, unlike a collection-wide unique index.
@Suite("Unique indexes scoped to the owner")
struct UniquePerOwnerTests {
    @Test("per-owner unique: the same value for two users is fine, twice for one user is 409")
    func perOwner() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/admin/collections", as: .admin, body: """
                {"name":"c","rules":{"read":"owner"},"indexes":[{"fields":["email"],"unique":"owner"}]}
                """)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["indexes"]?.arrayValue?.first?["unique"] == .string("owner"))
            _ = try await app.create("c", #"{"email":"x@example.com"}"#, as: .alice)
            let bobs = await app.request("POST", "/db/collections/c", as: .bob, body: #"{"email":"x@example.com"}"#)
            #expect(bobs.status == 201, "\(bobs.text)")
            let again = await app.request("POST", "/db/collections/c", as: .alice, body: #"{"email":"x@example.com"}"#)
            #expect(again.status == 409)
            #expect(again.json["error"]?["code"] == .string("conflict"))
        }
    }

    @Test("a collection-wide unique index still answers 409 across users; other values of unique are refused")
    func collectionWideAndInvalid() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/admin/collections", as: .admin, body: """
                {"name":"c","indexes":[{"fields":["email"],"unique":true}]}
                """)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["indexes"]?.arrayValue?.first?["unique"] == .bool(true))
            _ = try await app.create("c", #"{"email":"x@example.com"}"#, as: .alice)
            let bobs = await app.request("POST", "/db/collections/c", as: .bob, body: #"{"email":"x@example.com"}"#)
            #expect(bobs.status == 409)
            let invalid = await app.request("PATCH", "/admin/collections/c", as: .admin,
                                            body: #"{"indexes":[{"fields":["email"],"unique":"everyone"}]}"#)
            #expect(invalid.status == 400)
        }
    }
}
