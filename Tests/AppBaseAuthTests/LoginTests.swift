import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite
import Dispatch
import Testing
@testable import AppBaseAuth
import OrderedCollections
import AppBaseRuntime

@Suite("POST /auth/login")
struct LoginTests {
    @Test("200 with the register shape; a new session each time")
    func logsIn() async throws {
        try await withApp { app in
            let registered = try await app.register("ann@example.com")
            let response = await app.client(.POST, "/auth/login", body: ["email": "ANN@example.com ", "password": "correct horse battery"])
            #expect(response.status == 200)
            let session = try Session(response)
            #expect(session.userID == registered.userID)
            #expect(session.sessionID != registered.sessionID)
            #expect(response.json?["user"]?.objectValue?.keys.elementsEqual(["id", "email", "createdAt"]) == true)
            let me = await app.client(.GET, "/auth/me", token: session.accessToken)
            #expect(me.json?["user"]?["id"]?.stringValue == registered.userID)
            let events = await app.takeAuditEvents()
            #expect(events.map(\.action) == [AuthAuditAction.register, AuthAuditAction.login])
            #expect(events.last?.actor.userID == registered.userID)
        }
    }

    @Test("wrong password and unknown email: the same 401 invalid_credentials, both audited")
    func invalidCredentials() async throws {
        try await withApp { app in
            let user = try await app.register("ann@example.com")
            _ = await app.takeAuditEvents()
            let wrongPassword = await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": "wrong password"])
            let unknownEmail = await app.client(.POST, "/auth/login", body: ["email": "nobody@example.com", "password": "wrong password"])
            for response in [wrongPassword, unknownEmail] {
                #expect(response.status == 401)
                #expect(response.errorCode == "invalid_credentials")
            }
            #expect(wrongPassword.json?["error"]?["message"] == unknownEmail.json?["error"]?["message"])
            let events = await app.takeAuditEvents()
            #expect(events.map(\.action) == [AuthAuditAction.loginFailed, AuthAuditAction.loginFailed])
            #expect(events[0].target == user.userID)
            #expect(events[1].target == nil)
            #expect(events[1].details["email"] == "nobody@example.com")
            #expect(events.allSatisfy { $0.details["reason"] == "invalid_credentials" })
            // No secret in any event.
            #expect(!events.contains { "\($0)".contains("wrong password") })
        }
    }

    @Test("a password over 1024 bytes is 400, not hashed; an empty one is just wrong")
    func passwordLimits() async throws {
        try await withApp { app in
            _ = try await app.register("ann@example.com")
            let long = await app.client(.POST, "/auth/login",
                                        body: ["email": "ann@example.com", "password": .string(String(repeating: "x", count: 1025))])
            #expect(long.status == 400)
            #expect(long.errorCode == "validation_failed")
            let empty = await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": ""])
            #expect(empty.errorCode == "invalid_credentials")
        }
    }

    @Test("a stored hash with old parameters is replaced on a successful login")
    func rehashesOnLogin() async throws {
        let directory = try AuthTestApp.makeTemporaryDirectory()
        let first = try await AuthTestApp.make(directory: directory)
        _ = try await first.register("ann@example.com")
        await first.close(removing: false)

        var stronger = AuthTestApp.fastSettings()
        stronger.argon2MemoryKiB = 16
        let second = try await AuthTestApp.make(settings: stronger, directory: directory)
        func storedHash() async throws -> String {
            try await second.environment.readers.read { connection in
                try connection.queryOne("SELECT password_hash FROM auth_users WHERE email = 'ann@example.com'") { $0.text(0) } ?? ""
            }
        }
        #expect(try await storedHash().hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"))
        _ = try await second.login("ann@example.com")
        #expect(try await storedHash().hasPrefix("$argon2id$v=19$m=16,t=1,p=1$"))
        _ = try await second.login("ann@example.com")
        let events = await second.takeAuditEvents()
        #expect(events.map { $0.details["rehashed"] } == ["true", nil])
        await second.close()
    }

    @Test("throttled per (IP, email): 429 with Retry-After, other IPs unaffected, success clears the pair")
    func throttlePerPair() async throws {
        var settings = AuthTestApp.fastSettings()
        settings.loginPerIPAndEmail = RateLimit(limit: 3, windowSeconds: 60)
        try await withApp(settings: settings) { app in
            _ = try await app.register("ann@example.com")
            let wrong: JSONValue = ["email": "ann@example.com", "password": "wrong password"]
            for _ in 0..<3 { #expect(await app.client(.POST, "/auth/login", body: wrong).errorCode == "invalid_credentials") }
            let limited = await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": "correct horse battery"])
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            #expect(limited.retryAfter == "20")
            // Another address, and another email from this address, are not affected.
            _ = try await app.login("ann@example.com", remote: "198.51.100.1")
            #expect(await app.client(.POST, "/auth/login", body: ["email": "bob@example.com", "password": "x"]).status == 401)

            app.clock.advance(seconds: 20)
            _ = try await app.login("ann@example.com")
            // The success cleared the pair: three more attempts are allowed at once.
            for _ in 0..<3 { #expect(await app.client(.POST, "/auth/login", body: wrong).status == 401) }
            #expect(await app.client(.POST, "/auth/login", body: wrong).status == 429)
        }
    }

    @Test("throttled per IP across emails")
    func throttlePerIP() async throws {
        var settings = AuthTestApp.fastSettings()
        settings.loginPerIP = RateLimit(limit: 4, windowSeconds: 300)
        try await withApp(settings: settings) { app in
            for index in 0..<4 {
                let response = await app.client(.POST, "/auth/login", body: ["email": .string("u\(index)@example.com"), "password": "password"])
                #expect(response.status == 401)
            }
            let limited = await app.client(.POST, "/auth/login", body: ["email": "u9@example.com", "password": "password"])
            #expect(limited.status == 429)
            #expect(limited.retryAfter == "75")
        }
    }

    @Test("X-Forwarded-For is believed from a trusted proxy only, for throttling and audit")
    func forwardedFor() async throws {
        var settings = AuthTestApp.fastSettings()
        settings.loginPerIP = RateLimit(limit: 1, windowSeconds: 300)
        settings.trustedProxies = ["10.0.0.0/8"]
        try await withApp(settings: settings) { app in
            let body: JSONValue = ["email": "a@example.com", "password": "password"]
            func viaProxy(_ client: String, peer: String = "10.1.2.3") async -> TestResponse {
                await app.send(.POST, "/auth/login", key: app.clientKey, headers: [("X-Forwarded-For", client)], body: body, remote: peer)
            }
            #expect(await viaProxy("203.0.113.1").status == 401)
            #expect(await viaProxy("203.0.113.2").status == 401)
            #expect(await viaProxy("203.0.113.1").status == 429)
            // From an untrusted peer the header is ignored: the peer itself is throttled.
            #expect(await viaProxy("203.0.113.3", peer: "198.51.100.9").status == 401)
            #expect(await viaProxy("203.0.113.4", peer: "198.51.100.9").status == 429)
            let ips = await app.takeAuditEvents().map(\.actor.ip)
            #expect(ips == ["203.0.113.1", "203.0.113.2", "198.51.100.9"])
        }
    }

    @Test("a full hashing queue answers 503 server_busy with Retry-After")
    func hashQueueOverflow() async throws {
        let pool = BlockingWorkPool(name: "tiny-hash", threadCount: 1, maxQueued: 1)
        let app = try await AuthTestApp.make(hashPool: pool)
        _ = try await app.register("ann@example.com")
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task { try await pool.run { gate.wait() } }
        while pool.inFlight == 0 { await Task.yield() }
        let busy = await app.client(.POST, "/auth/login", body: ["email": "ann@example.com", "password": "correct horse battery"])
        #expect(busy.status == 503)
        #expect(busy.errorCode == "server_busy")
        #expect(busy.retryAfter == "1")
        gate.signal()
        try await blocker.value
        _ = try await app.login("ann@example.com")
        await app.close()
    }
}
