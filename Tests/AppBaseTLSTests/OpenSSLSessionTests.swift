import AppBaseCore
import AppBaseHTTP
import AppBaseTLS
import AppBaseTestSupport
import COpenSSL
import Testing

/// The OpenSSL session behind the connection seam, driven in memory by an OpenSSL client.
@Suite struct OpenSSLSessionTests {
    /// A CA, a store with the app `notes`, and the server context.
    private static func makeServer(_ root: String) throws -> (ServerCertificateStore, OpenSSLServerContext) {
        let clock = SystemWallClock()
        let authority = try CertificateAuthority.loadOrCreate(directory: root, clock: clock)
        let store = try ServerCertificateStore(authority: authority, settings: TLSSettings(enabled: true), domain: "appbase.local",
                                               platformNames: ["appbase.local", "127.0.0.1"], clock: clock)
        try store.addApp("notes")
        return (store, try OpenSSLServerContext(store: store))
    }

    private static let ping = Array("ping".utf8)

    @Test(arguments: ["api.notes.appbase.local", "dashboard.notes.appbase.local", "notes.appbase.local", "appbase.local"])
    func eachKindOfNameGetsACertificateThatCoversIt(name: String) throws {
        let root = try TemporaryDirectory.make(prefix: "tls-sni")
        defer { TemporaryDirectory.remove(root) }
        let (store, context) = try Self.makeServer(root)
        let client = try MemoryTLSClient(trustedPEM: store.authority.pem, serverName: name)
        let server = try #require(MemoryTLSServer(context: context))
        let result = client.exchange(with: server, request: Self.ping) { _ in Array("pong".utf8) }
        #expect(result.ok)
        #expect(result.reply == Array("pong".utf8))
        #expect(client.verified)
        #expect(client.alpn == "http/1.1")
        #expect(client.version == appbase_tls1_3_version())
        #expect(server.session.isHandshakeComplete)
    }

    @Test func anUnknownNameGetsThePlatformCertificateWhichDoesNotCoverIt() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-unknown")
        defer { TemporaryDirectory.remove(root) }
        let (store, context) = try Self.makeServer(root)
        store.removeApp("notes")
        let client = try MemoryTLSClient(trustedPEM: store.authority.pem, serverName: "api.notes.appbase.local")
        let server = try #require(MemoryTLSServer(context: context))
        let result = client.exchange(with: server, request: Self.ping) { _ in [] }
        #expect(!result.ok)
        #expect(!client.verified)
    }

    @Test func tls12IsAcceptedAndOlderVersionsAreNot() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-versions")
        defer { TemporaryDirectory.remove(root) }
        let (store, context) = try Self.makeServer(root)
        let modern = try MemoryTLSClient(trustedPEM: store.authority.pem, serverName: "appbase.local", maxVersion: appbase_tls1_2_version())
        #expect(modern.exchange(with: try #require(MemoryTLSServer(context: context)), request: Self.ping) { _ in [1] }.ok)
        #expect(modern.version == appbase_tls1_2_version())
        let old = try MemoryTLSClient(trustedPEM: store.authority.pem, serverName: "appbase.local", maxVersion: TLS1_1_VERSION)
        #expect(!old.exchange(with: try #require(MemoryTLSServer(context: context)), request: Self.ping) { _ in [1] }.ok)
    }

    @Test func aSecondConnectionResumesWithTheTicket() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-resume")
        defer { TemporaryDirectory.remove(root) }
        let (store, context) = try Self.makeServer(root)
        let first = try MemoryTLSClient(trustedPEM: store.authority.pem, serverName: "api.notes.appbase.local")
        #expect(first.exchange(with: try #require(MemoryTLSServer(context: context)), request: Self.ping) { _ in [1] }.ok)
        #expect(!first.resumed)
        let session = try #require(first.session())
        defer { SSL_SESSION_free(session) }
        let second = try MemoryTLSClient(trustedPEM: store.authority.pem, serverName: "api.notes.appbase.local", session: session)
        #expect(second.exchange(with: try #require(MemoryTLSServer(context: context)), request: Self.ping) { _ in [1] }.ok)
        #expect(second.resumed)
    }

    @Test func garbageAfterTheHandshakeByteFailsCleanly() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-garbage")
        defer { TemporaryDirectory.remove(root) }
        let (_, context) = try Self.makeServer(root)
        let server = try #require(MemoryTLSServer(context: context))
        let garbage: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00]
        var buffer = [UInt8](repeating: 0, count: 1024)
        var delivered = 0
        let outcome = garbage.withUnsafeBytes { ciphertext in
            buffer.withUnsafeMutableBytes { plaintext in
                server.session.decrypt(ciphertext, into: plaintext) { count in
                    delivered += count
                    return true
                }
            }
        }
        guard case .failed = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(delivered == 0)
        #expect(!server.session.isHandshakeComplete)
    }
}
