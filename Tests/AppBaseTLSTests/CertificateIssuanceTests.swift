import AppBaseCore
import AppBaseTLS
import AppBaseTestSupport
import Crypto
import FoundationEssentials
import SwiftASN1
import Testing
import X509
#if canImport(Glibc)
import Glibc
#endif

/// The local CA on disk, leaf certificates and their names, and the store's SNI choice.
@Suite struct CertificateIssuanceTests {
    @Test func localAuthorityIsCreatedOnceWithPrivateFiles() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-ca")
        defer { TemporaryDirectory.remove(root) }
        let clock = ManualWallClock(milliseconds: SystemWallClock().nowMilliseconds())
        let directory = CertificateAuthority.directory(dataRoot: root)
        let first = try CertificateAuthority.loadOrCreate(directory: directory, clock: clock)
        var info = stat()
        #expect(stat(directory, &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(stat(directory + "/ca.key", &info) == 0 && info.st_mode & 0o777 == 0o600)
        let again = try CertificateAuthority.loadOrCreate(directory: directory, clock: clock)
        #expect(again.sha256Fingerprint == first.sha256Fingerprint)
        #expect(first.sha256Fingerprint.count == 32 * 3 - 1)
        let constraints = try first.certificate.extensions.basicConstraints
        #expect(constraints == .isCertificateAuthority(maxPathLength: 0))
        let years = (first.certificate.notValidAfter.timeIntervalSince1970 - first.certificate.notValidBefore.timeIntervalSince1970) / (365 * 86_400)
        #expect(years >= 10 && years < 10.1)
        #expect(P256.Signing.PublicKey(first.certificate.publicKey) != nil)
        #expect(first.pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    @Test func authorityFilesThatDoNotMatchAreRefused() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-mismatch")
        defer { TemporaryDirectory.remove(root) }
        let clock = SystemWallClock()
        _ = try CertificateAuthority.loadOrCreate(directory: root + "/a", clock: clock)
        _ = try CertificateAuthority.loadOrCreate(directory: root + "/b", clock: clock)
        #expect(throws: TLSError.self) {
            _ = try CertificateAuthority.load(certificatePath: root + "/a/ca.pem", keyPath: root + "/b/ca.key")
        }
        #expect(throws: TLSError.self) {
            _ = try CertificateAuthority.load(certificatePath: root + "/a/missing.pem", keyPath: root + "/a/ca.key")
        }
    }

    @Test func leafCoversEveryNameAndChainsToTheAuthority() async throws {
        let root = try TemporaryDirectory.make(prefix: "tls-leaf")
        defer { TemporaryDirectory.remove(root) }
        let now = SystemWallClock().nowMilliseconds()
        let authority = try CertificateAuthority.loadOrCreate(directory: root, clock: SystemWallClock())
        let names = ["appbase.local", "box", "127.0.0.1", "::1", "192.168.1.20"]
        let issued = try LeafIssuer.issue(names: names, days: 90, authority: authority, now: now)
        let leaf = try Certificate(pemEncoded: issued.chainPEM)
        let alternatives = try #require(try leaf.extensions.subjectAlternativeNames)
        #expect(alternatives.contains(.dnsName("appbase.local")))
        #expect(alternatives.contains(.dnsName("box")))
        #expect(alternatives.contains(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))))
        #expect(alternatives.contains(.ipAddress(ASN1OctetString(contentBytes: [192, 168, 1, 20]))))
        #expect(alternatives.contains(.ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1])))))
        #expect(try leaf.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
        #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
        #expect(issued.notAfter - now == 90 * 86_400_000)
        #expect(issued.renewAt == now + 60 * 86_400_000)

        var verifier = Verifier(rootCertificates: X509.CertificateStore([authority.certificate])) {
            RFC5280Policy()
            ServerIdentityPolicy(serverHostname: "appbase.local", serverIP: nil)
        }
        let result = await verifier.validate(leaf: leaf, intermediates: X509.CertificateStore())
        guard case .validCertificate = result else {
            Issue.record("leaf does not verify: \(result)")
            return
        }
    }

    @Test func storeRenewsAtTwoThirdsWithTheInjectedClock() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-renew")
        defer { TemporaryDirectory.remove(root) }
        let clock = ManualWallClock(milliseconds: SystemWallClock().nowMilliseconds())
        let authority = try CertificateAuthority.loadOrCreate(directory: root, clock: clock)
        let store = try ServerCertificateStore(authority: authority, settings: TLSSettings(enabled: true), domain: "appbase.local",
                                               platformNames: ["appbase.local", "127.0.0.1"], clock: clock)
        try store.addApp("notes")
        let platform = try #require(store.identity(app: nil))
        let notes = try #require(store.identity(app: "notes"))
        #expect(store.nextRenewal() == platform.renewAt)
        clock.advance(seconds: 60 * 86_400 - 7_200)
        #expect(store.renewDue().renewed.isEmpty)
        #expect(store.identity(app: "notes")?.chainPEM == notes.chainPEM)
        clock.advance(seconds: 7_200)
        let result = store.renewDue()
        #expect(result.renewed.sorted() == ["", "notes"])
        #expect(result.failures.isEmpty)
        let renewed = try #require(store.identity(app: "notes"))
        #expect(renewed.chainPEM != notes.chainPEM)
        #expect(renewed.notAfter == clock.nowMilliseconds() + 90 * 86_400_000)
        #expect(store.renewDue().renewed.isEmpty)
    }

    @Test func appsGainAndLoseTheirNamesLive() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-apps")
        defer { TemporaryDirectory.remove(root) }
        let clock = SystemWallClock()
        let authority = try CertificateAuthority.loadOrCreate(directory: root, clock: clock)
        let store = try ServerCertificateStore(authority: authority, settings: TLSSettings(enabled: true), domain: "appbase.local",
                                               platformNames: ["appbase.local"], clock: clock)
        #expect(store.identity(app: "notes") == nil)
        try store.addApp("notes")
        let names = try #require(store.identity(app: "notes")).names
        #expect(names == ["api.notes.appbase.local", "dashboard.notes.appbase.local", "notes.appbase.local"])
        #expect(store.apps == ["notes"])
        store.removeApp("notes")
        #expect(store.identity(app: "notes") == nil)
        #expect(store.apps.isEmpty)
    }

    @Test func anAppsOwnCertificateFilesAreUsed() throws {
        let root = try TemporaryDirectory.make(prefix: "tls-own")
        defer { TemporaryDirectory.remove(root) }
        let clock = SystemWallClock()
        let other = try CertificateAuthority.loadOrCreate(directory: root + "/org", clock: clock)
        let issued = try LeafIssuer.issue(names: ["api.shop.appbase.local"], days: 30, authority: other, now: clock.nowMilliseconds())
        #expect(writeFile(root + "/shop.pem", issued.chainPEM))
        #expect(writeFile(root + "/shop.key", issued.keyPEM))
        let local = try CertificateAuthority.loadOrCreate(directory: root + "/local", clock: clock)
        let settings = TLSSettings(enabled: true, appCertificates: ["shop": .init(certificate: root + "/shop.pem", key: root + "/shop.key")])
        let store = try ServerCertificateStore(authority: local, settings: settings, domain: "appbase.local",
                                               platformNames: ["appbase.local"], clock: clock)
        try store.addApp("shop")
        let served = try #require(store.identity(app: "shop"))
        #expect(served.chainPEM == issued.chainPEM)
        #expect(served.renewAt == nil)
        // A key that is not the certificate's is refused.
        let stranger = try LeafIssuer.issue(names: ["x"], days: 1, authority: other, now: clock.nowMilliseconds())
        #expect(writeFile(root + "/shop.key", stranger.keyPEM))
        #expect(throws: TLSError.self) { try store.addApp("shop") }
    }

    private func writeFile(_ path: String, _ text: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == bytes.count
    }
}
