import AppBaseCore
import AppBaseHTTP
import Testing
@testable import AppBaseAuth

/// Nothing of app A works on app B: two services, two environments, two databases, two secrets.
@Suite("Isolation between apps")
struct IsolationTests {
    @Test("A's keys, users, access tokens and refresh tokens all get 401 on B")
    func appAOnAppB() async throws {
        try await withApp(name: "alpha") { alpha in
            try await withApp(name: "beta") { beta in
                let session = try await alpha.register("ann@example.com")

                #expect(await beta.send(.GET, "/auth/me", key: alpha.clientKey, token: session.accessToken).errorCode == "invalid_api_key")
                #expect(await beta.send(.GET, "/admin/users", key: alpha.adminKey).errorCode == "invalid_api_key")
                let token = await beta.client(.GET, "/auth/me", token: session.accessToken)
                #expect(token.status == 401)
                #expect(token.errorCode == "invalid_token")
                let refresh = await beta.refresh(session.refreshToken)
                #expect(refresh.status == 401)
                #expect(refresh.errorCode == "invalid_refresh_token")
                let login = await beta.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": "correct horse battery"])
                #expect(login.status == 401)
                #expect(login.errorCode == "invalid_credentials")

                // And the same email registers independently on B.
                let other = try await beta.register("ann@example.com")
                #expect(other.userID != session.userID)
                #expect(await alpha.client(.GET, "/auth/me", token: other.accessToken).errorCode == "invalid_token")
                #expect(await beta.takeAuditEvents().allSatisfy { $0.app == "beta" })
                #expect(await alpha.takeAuditEvents().allSatisfy { $0.app == "alpha" })
            }
        }
    }
}
