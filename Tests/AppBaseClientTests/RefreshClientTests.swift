import AppBaseClient
import Foundation
import Testing

@Suite("Swift SDK: token refresh")
struct RefreshClientTests {
    @Test("50 concurrent calls across an expired token cause exactly one refresh, and all succeed")
    func singleFlightRefresh() async throws {
        try await withServer { server in
            let (client, session) = try await server.signedInClient()
            let notes = client.db.collection("notes")
            let record = try await notes.create(["title": .string("x")])
            var changes = await client.auth.authStateChanges().makeAsyncIterator()
            #expect(await changes.next() == .signedIn(session.user))
            let refreshesBefore = server.refreshCount

            // Past the 15-minute lifetime: every request's token is now refused with token_expired.
            server.expireAccessTokens()
            let results = await withTaskGroup(of: String.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        do {
                            return try await notes.get(record.id).id
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(results == Array(repeating: record.id, count: 50))
            #expect(server.refreshCount - refreshesBefore == 1)
            #expect(await changes.next() == .tokenRefreshed(session.user))
            let refreshed = try #require(await client.auth.session)
            #expect(refreshed.accessToken != session.accessToken)
            #expect(refreshed.refreshToken != session.refreshToken)
        }
    }

    @Test("a reused refresh token signs the user out with refresh_token_reused")
    func reusedRefreshTokenSignsOut() async throws {
        try await withServer { server in
            let (client, session) = try await server.signedInClient()
            var changes = await client.auth.authStateChanges().makeAsyncIterator()
            #expect(await changes.next() == .signedIn(session.user))
            // Someone else (a stolen copy) rotates the refresh token; after the 10 s grace window
            // the client's own refresh presents the rotated one.
            let rotated = try await server.raw("POST", "/auth/refresh", headers: ["X-API-Key": server.clientKey],
                                               json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            #expect(rotated.status == 200)
            server.expireAccessTokens()
            let error = await #expect(throws: AppBaseError.self) { try await client.db.collection("notes").list() }
            #expect(error?.code == "refresh_token_reused")
            #expect(await changes.next() == .signedOut(reason: "refresh_token_reused"))
            #expect(await client.auth.currentUser == nil)
        }
    }
}
