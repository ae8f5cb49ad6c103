import AppBaseCore
import AppBaseHTTP
import Testing
@testable import AppBaseAuth

@Suite("Client IP resolution")
struct ClientIPTests {
    static func ip(_ resolver: ClientIPResolver, peer: String, forwarded: [String] = []) -> String {
        resolver.clientIP(for: AuthTestApp.request(.GET, "/", headers: forwarded.map { ("x-forwarded-for", $0) }, remote: peer))
    }

    @Test("no trusted proxies: always the peer")
    func untrusted() {
        let resolver = ClientIPResolver(trustedProxies: [])
        #expect(Self.ip(resolver, peer: "198.51.100.1", forwarded: ["1.2.3.4"]) == "198.51.100.1")
    }

    @Test("walks X-Forwarded-For from the right past trusted proxies", arguments: [
        (["203.0.113.5"], "203.0.113.5"),
        (["1.1.1.1, 203.0.113.5"], "203.0.113.5"),
        (["203.0.113.5, 10.0.0.7"], "203.0.113.5"),
        (["spoofed, 203.0.113.5, 10.9.9.9"], "203.0.113.5"),
        (["1.1.1.1", "203.0.113.5 , 10.0.0.2"], "203.0.113.5"),
        (["10.0.0.3, 10.0.0.2"], "10.0.0.3"),
        (["garbage, 10.0.0.2"], "10.0.0.2"),
        (["garbage"], "10.0.0.1"),
        ([], "10.0.0.1"),
        (["2001:DB8::0:1"], "2001:db8::1"),
    ])
    func trusted(forwarded: [String], expected: String) {
        let resolver = ClientIPResolver(trustedProxies: ["10.0.0.0/8"])
        #expect(Self.ip(resolver, peer: "10.0.0.1", forwarded: forwarded) == expected)
    }

    @Test("IPv4-mapped peers, single addresses and IPv6 blocks")
    func forms() {
        let resolver = ClientIPResolver(trustedProxies: ["127.0.0.1", "fd00::/8"])
        #expect(Self.ip(resolver, peer: "::ffff:127.0.0.1", forwarded: ["203.0.113.9"]) == "203.0.113.9")
        #expect(Self.ip(resolver, peer: "fd12::1", forwarded: ["203.0.113.9"]) == "203.0.113.9")
        #expect(Self.ip(resolver, peer: "127.0.0.2", forwarded: ["203.0.113.9"]) == "127.0.0.2")
        #expect(Self.ip(resolver, peer: "fe80::1", forwarded: ["203.0.113.9"]) == "fe80::1")
    }

    @Test("address ranges parse strictly")
    func ranges() {
        #expect(IPAddressRange(parsing: "10.0.0.0/8") != nil)
        #expect(IPAddressRange(parsing: "::1") != nil)
        #expect(IPAddressRange(parsing: "10.0.0.0/33") == nil)
        #expect(IPAddressRange(parsing: "fd00::/129") == nil)
        #expect(IPAddressRange(parsing: "10.0.0") == nil)
        #expect(IPAddressRange(parsing: "host.example") == nil)
        #expect(IPAddressRange(parsing: "0.0.0.0/0")?.contains(IPAddress(parsing: "8.8.8.8")!) == true)
        #expect(IPAddressRange(parsing: "0.0.0.0/0")?.contains(IPAddress(parsing: "2001:db8::1")!) == false)
    }
}

@Suite("Rate limiter (GCRA)")
struct RateLimiterTests {
    @Test("limit per window with bursts, exact delay, recovery over time")
    func gcra() {
        var limiter = RateLimiter(RateLimit(limit: 5, windowSeconds: 10))
        let start: Int64 = 1_000_000
        for _ in 0..<5 {
            #expect(limiter.delay(for: "k", now: start) == nil)
            limiter.record("k", now: start)
        }
        #expect(limiter.delay(for: "k", now: start) == 2000)
        #expect(limiter.delay(for: "other", now: start) == nil)
        #expect(limiter.delay(for: "k", now: start + 1999) == 1)
        #expect(limiter.delay(for: "k", now: start + 2000) == nil)
        limiter.prune(now: start + 9_999)
        #expect(limiter.count == 1)
        limiter.prune(now: start + 10_000)
        #expect(limiter.count == 0)
    }

    @Test("memory is bounded: past capacity, keys are evicted")
    func bounded() {
        var limiter = RateLimiter(RateLimit(limit: 1, windowSeconds: 60), capacity: 16)
        for index in 0..<100 { limiter.record("k\(index)", now: 0) }
        #expect(limiter.count <= 16)
    }
}

@Suite("Email addresses")
struct EmailAddressTests {
    @Test("normalised and accepted", arguments: [
        (" Ann@Example.COM\n", "ann@example.com"),
        ("a.b+tag@sub.example.co", "a.b+tag@sub.example.co"),
        ("jörg@exämple.de", "jörg@exämple.de"),
    ])
    func accepted(raw: String, expected: String) {
        #expect(EmailAddress.normalize(raw) == expected)
    }

    @Test("refused", arguments: [
        "", "a", "@example.com", "ann@", "ann@example", "ann@@example.com", "a@b@c.de", "ann smith@example.com",
        ".ann@example.com", "ann.@example.com", "a..b@example.com", "ann@-example.com", "ann@example..com",
        "ann@example.com.", "<ann>@example.com", String(repeating: "a", count: 65) + "@example.com",
        "a@" + String(repeating: "b", count: 250) + ".de",
    ])
    func refused(raw: String) {
        #expect(EmailAddress.normalize(raw) == nil)
    }
}

@Suite("Auth settings")
struct AuthSettingsTests {
    @Test("defaults are valid")
    func defaults() throws {
        let settings = AuthSettings()
        try settings.validate()
        #expect(settings.accessTokenTTLSeconds == 900)
        #expect(settings.refreshTokenTTLSeconds == 30 * 86_400)
        #expect(settings.refreshGraceSeconds == 10)
        #expect(try settings.argon2Parameters() == .default)
    }

    @Test("each bad value is reported by its key")
    func invalid() {
        func field(_ change: (inout AuthSettings) -> Void) -> String? {
            var settings = AuthSettings()
            change(&settings)
            do {
                try settings.validate()
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field { $0.trustedProxies = ["10.0.0.0/8", "proxy.local"] } == "trusted_proxies")
        #expect(field { $0.argon2MemoryKiB = 4 } == "argon2")
        #expect(field { $0.argon2Iterations = 0 } == "argon2")
        #expect(field { $0.accessTokenTTLSeconds = 5 } == "access_token_ttl")
        #expect(field { $0.refreshTokenTTLSeconds = 60 } == "refresh_token_ttl")
        #expect(field { $0.refreshGraceSeconds = -1 } == "refresh_grace")
        #expect(field { $0.loginPerIP = RateLimit(limit: 0, windowSeconds: 60) } == "login_per_ip")
        #expect(field { $0.hashQueue = 0 } == "hash_queue")
        #expect(field { $0.lastUsedFlushSeconds = 0 } == "last_used_flush")
    }
}

@Suite("Bearer header parsing")
struct BearerTests {
    @Test("scheme, spacing and empty tokens", arguments: [
        ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER  abc", "abc"), ("Bearer ", nil), ("Bearer", nil),
        ("Basic abc", nil), ("Bearerabc", nil), ("abc", nil),
    ] as [(String, String?)])
    func parse(header: String, token: String?) {
        #expect(AuthService.bearerToken(header) == token)
    }
}
