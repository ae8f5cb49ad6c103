import AppBaseCore
import Crypto
import Testing
@testable import AppBaseAuth
import AppBaseHTTP

/// Access tokens are accepted only for a live session of their own user (issue 12 §5): a token signed
/// with the app's key whose `sid` names another user's session, or no session at all, is refused.
@Suite("access tokens are bound to their session's user")
struct SessionBindingTests {
    static let secret = (0..<32).map { UInt8($0) }

    /// A token for (`sub`, `sid`) signed with the test app's key, as only a holder of the master secret could make.
    static func mint(sub: String, sid: String, app: AuthTestApp) -> String {
        let key = HS256Key(HMACKeyDerivation.jwtKey(master: SymmetricKey(data: secret)))
        let claims = AccessTokenClaims.issue(userID: sub, sessionID: sid, app: app.name, now: app.clock.nowSeconds())
        return JWT.sign(claims: claims, key: key)
    }

    @Test("a token whose sid is another user's session, or unknown, is 401 invalid_token")
    func foreignSessionRefused() async throws {
        let app = try await AuthTestApp.make(masterSecret: Self.secret)
        let ann = try await app.register("ann@example.com")
        let bob = try await app.register("bob@example.com")
        // Control: a hand-minted token for bob's own session works, so the refusal below is the binding.
        let own = Self.mint(sub: bob.userID, sid: bob.sessionID, app: app)
        #expect(await app.client(.GET, "/auth/me", token: own).status == 200)

        let forged = Self.mint(sub: ann.userID, sid: bob.sessionID, app: app)
        let response = await app.client(.GET, "/auth/me", token: forged)
        #expect(response.status == 401)
        #expect(response.errorCode == "invalid_token")
        let unknown = Self.mint(sub: ann.userID, sid: Identifier.uuidV7(milliseconds: 1), app: app)
        #expect(await app.client(.GET, "/auth/me", token: unknown).errorCode == "invalid_token")
        await app.close()
    }

    @Test("after a restart, live sessions are reloaded: their tokens still work; a forged pairing still fails")
    func bindingSurvivesRestart() async throws {
        let directory = try AuthTestApp.makeTemporaryDirectory()
        let clock = ManualWallClock()
        let first = try await AuthTestApp.make(clock: clock, directory: directory, masterSecret: Self.secret)
        let ann = try await first.register("ann@example.com")
        let annAgain = try await first.login("ann@example.com")  // a second session of hers
        _ = try await first.register("bob@example.com")
        await first.close(removing: false)

        let second = try await AuthTestApp.make(clock: clock, directory: directory, masterSecret: Self.secret)
        #expect(await second.client(.GET, "/auth/me", token: ann.accessToken).status == 200)
        #expect(await second.client(.GET, "/auth/me", token: annAgain.accessToken).status == 200)
        let other = try #require(second.service.snapshots.value.sessionOwners.first { $0.value != ann.userID })
        let forged = Self.mint(sub: ann.userID, sid: other.key, app: second)
        #expect(await second.client(.GET, "/auth/me", token: forged).errorCode == "invalid_token")
        await second.close()
    }

    @Test("upkeep forgets sessions once expired for longer than an access token's lifetime")
    func expiredSessionsPruned() async throws {
        try await withApp(settings: AuthTestApp.fastSettings(refreshTokenTTLSeconds: 3600)) { app in
            let ann = try await app.register("ann@example.com")
            #expect(app.service.snapshots.value.sessionOwners[ann.sessionID] == ann.userID)
            app.clock.advance(seconds: 3600 + 900 + 61)
            await app.service.runUpkeep()
            #expect(app.service.snapshots.value.sessionOwners[ann.sessionID] == nil)
        }
    }
}
