import AppBaseClient
import Foundation
import Testing

@Suite("Swift SDK: auth")
struct AuthClientTests {
    @Test("sign up, current user, fetch, sign out and in again, with auth-state changes")
    func signUpInOut() async throws {
        try await withServer { server in
            let client = server.client()
            var changes = await client.auth.authStateChanges().makeAsyncIterator()
            #expect(await changes.next() == .signedOut(reason: nil))
            #expect(await client.auth.currentUser == nil)

            let email = "ada-\(UInt32.random(in: 0..<UInt32.max))@example.com"
            let session = try await client.auth.signUp(email: email, password: "correct horse battery")
            #expect(session.user.email == email)
            #expect(await changes.next() == .signedIn(session.user))
            #expect(await client.auth.currentUser == session.user)
            #expect(try await client.auth.fetchUser() == session.user)

            await client.auth.signOut()
            #expect(await changes.next() == .signedOut(reason: nil))
            #expect(await client.auth.currentUser == nil)
            // The server ended the session too: its token is refused.
            let after = try await server.raw("GET", "/auth/me", headers: ["X-API-Key": server.clientKey, "Authorization": "Bearer \(session.accessToken)"])
            #expect(after.status == 401)

            let again = try await client.auth.signIn(email: email, password: "correct horse battery")
            #expect(again.user == session.user)
            #expect(await changes.next() == .signedIn(session.user))
        }
    }

    @Test("errors carry code, status, message and request id")
    func errorShape() async throws {
        try await withServer { server in
            let client = server.client()
            let error = await #expect(throws: AppBaseError.self) {
                try await client.auth.signIn(email: "nobody@example.com", password: "wrong password")
            }
            #expect(error?.code == "invalid_credentials")
            #expect(error?.status == 401)
            #expect(error?.requestId?.isEmpty == false)
            #expect(error?.message.isEmpty == false)

            let signedOut = await #expect(throws: AppBaseError.self) { try await client.auth.fetchUser() }
            #expect(signedOut?.code == "signed_out")

            let badKey = server.client(apiKey: "hs_live_unknown")
            let keyError = await #expect(throws: AppBaseError.self) {
                try await badKey.auth.signUp(email: "x@example.com", password: "correct horse battery")
            }
            #expect(keyError?.code == "invalid_api_key")
        }
    }

    @Test("a session the server revoked signs the user out with the reason")
    func revokedSessionSignsOut() async throws {
        try await withServer { server in
            let (client, session) = try await server.signedInClient()
            var changes = await client.auth.authStateChanges().makeAsyncIterator()
            #expect(await changes.next() == .signedIn(session.user))
            let disabled = try await server.raw("PATCH", "/admin/users/\(session.user.id)", headers: ["X-API-Key": server.adminKey],
                                                json: #"{"disabled":true}"#)
            #expect(disabled.status == 200)
            let error = await #expect(throws: AppBaseError.self) {
                try await client.db.collection("notes").list()
            }
            #expect(error?.code == "user_disabled")
            #expect(await changes.next() == .signedOut(reason: "user_disabled"))
            #expect(await client.auth.currentUser == nil)
        }
    }

    @Test("a custom session store is read at start and written on sign-in")
    func sessionStore() async throws {
        try await withServer { server in
            let (first, session) = try await server.signedInClient()
            _ = first
            let store = MemorySessionStore(session)
            let client = AppBaseClient(endpoint: server.endpoint, apiKey: server.clientKey, sessionStore: store)
            #expect(await client.auth.currentUser == session.user)
            #expect(try await client.auth.fetchUser() == session.user)
            await client.auth.signOut()
            #expect(await store.load() == nil)
        }
    }
}
