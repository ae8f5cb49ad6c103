import AppBaseCore
import FoundationEssentials
import SwiftASN1
import Synchronization
import X509

/// The certificates the server presents, picked by SNI: one for the platform's own names
/// (`appbase.local`, the host name, the box's addresses) and one per app
/// (`api.<app>.<domain>`, `dashboard.<app>.<domain>`, `<app>.<domain>`). Apps are added and
/// removed live; leaves issued here are renewed at two thirds of their life by `renewDue()`
/// (the platform calls it periodically; tests call it with an injected clock). Thread-safe:
/// handshakes read it on the loop while the registry and the renewal task change it.
public final class ServerCertificateStore: Sendable {
    public let authority: CertificateAuthority
    private let settings: TLSSettings
    private let domain: String
    private let platformNames: [String]
    private let clock: any WallClock
    private let state: Mutex<State>

    private struct Entry {
        let identity: IssuedIdentity
        let openSSL: OpenSSLIdentity
    }

    private struct State {
        var platform: Entry
        var apps: [String: Entry] = [:]
        /// Lower-cased DNS name → app.
        var appByName: [String: String] = [:]
    }

    /// Issues the platform's certificate at once. - Throws: `TLSError` when it cannot.
    public init(authority: CertificateAuthority, settings: TLSSettings, domain: String, platformNames: [String],
                clock: any WallClock) throws(TLSError) {
        self.authority = authority
        self.settings = settings
        self.domain = domain
        self.platformNames = platformNames
        self.clock = clock
        let issued = try LeafIssuer.issue(names: platformNames, days: settings.leafDays, authority: authority,
                                          now: clock.nowMilliseconds())
        state = Mutex(State(platform: Entry(identity: issued, openSSL: try OpenSSLIdentity(issued))))
    }

    /// Gives `app` its certificate: from `[tls.apps.<app>]` files when configured, else issued.
    public func addApp(_ app: String) throws(TLSError) {
        let entry = try makeEntry(app: app)
        state.withLock { state in
            state.apps[app] = entry
            for name in AppHostNames.all(app: app, domain: domain) { state.appByName[name] = app }
        }
    }

    /// Forgets `app`: its names fall back to the platform certificate (which does not cover them).
    public func removeApp(_ app: String) {
        state.withLock { state in
            state.apps[app] = nil
            for name in AppHostNames.all(app: app, domain: domain) { state.appByName[name] = nil }
        }
    }

    /// The identity presented for `app` (nil: the platform's), for tests and the CLI.
    public func identity(app: String?) -> IssuedIdentity? {
        state.withLock { state in
            guard let app else { return state.platform.identity }
            return state.apps[app]?.identity
        }
    }

    /// The apps that have a certificate.
    public var apps: [String] { state.withLock { Array($0.apps.keys).sorted() } }

    /// Re-issues every leaf whose renewal time has come. Returns the renewed ones ("" is the
    /// platform) and the failures; a failed renewal keeps the current certificate and is retried
    /// on the next call.
    @discardableResult
    public func renewDue() -> (renewed: [String], failures: [String: TLSError]) {
        let now = clock.nowMilliseconds()
        let due: [String] = state.withLock { state in
            var due: [String] = []
            if let at = state.platform.identity.renewAt, at <= now { due.append("") }
            for (app, entry) in state.apps { if let at = entry.identity.renewAt, at <= now { due.append(app) } }
            return due
        }
        var renewed: [String] = []
        var failures: [String: TLSError] = [:]
        for key in due.sorted() {
            do {
                if key.isEmpty {
                    let issued = try LeafIssuer.issue(names: platformNames, days: settings.leafDays, authority: authority, now: now)
                    let entry = Entry(identity: issued, openSSL: try OpenSSLIdentity(issued))
                    state.withLock { $0.platform = entry }
                } else {
                    let entry = try makeEntry(app: key)
                    // Replaced only if the app still exists (it may have been deleted meanwhile).
                    state.withLock { state in if state.apps[key] != nil { state.apps[key] = entry } }
                }
                renewed.append(key)
            } catch {
                failures[key] = error
            }
        }
        return (renewed, failures)
    }

    /// The earliest renewal time of any leaf, for the renewal task's next wake-up.
    public func nextRenewal() -> Int64? {
        state.withLock { state in
            ([state.platform.identity.renewAt] + state.apps.values.map(\.identity.renewAt)).compactMap { $0 }.min()
        }
    }

    /// The identity for a handshake's SNI name: an app's when the name is one of its names,
    /// the platform's otherwise (no SNI, an IP address, an unknown name).
    func openSSLIdentity(serverName: String?) -> OpenSSLIdentity {
        state.withLock { state in
            if let serverName, let app = state.appByName[serverName.lowercased()], let entry = state.apps[app] {
                return entry.openSSL
            }
            return state.platform.openSSL
        }
    }

    private func makeEntry(app: String) throws(TLSError) -> Entry {
        let issued: IssuedIdentity
        if let files = settings.appCertificates[app] {
            issued = try Self.load(files, names: AppHostNames.all(app: app, domain: domain))
        } else {
            issued = try LeafIssuer.issue(names: AppHostNames.all(app: app, domain: domain), days: settings.leafDays,
                                          authority: authority, now: clock.nowMilliseconds())
        }
        return Entry(identity: issued, openSSL: try OpenSSLIdentity(issued))
    }

    /// An app's own certificate chain and key from PEM files; its owner renews it.
    static func load(_ files: TLSSettings.CertificateFiles, names: [String]) throws(TLSError) -> IssuedIdentity {
        let chain = try TLSFiles.read(files.certificate)
        let key = try TLSFiles.read(files.key)
        let lines = chain.split(separator: "\n", omittingEmptySubsequences: false)
        guard let end = lines.firstIndex(where: { $0.hasPrefix("-----END CERTIFICATE-----") }) else {
            throw TLSError("\(files.certificate) holds no PEM certificate")
        }
        let leaf: Certificate
        do {
            leaf = try Certificate(pemEncoded: lines[...end].joined(separator: "\n"))
        } catch {
            throw TLSError("\(files.certificate) is not a PEM certificate: \(error)")
        }
        return IssuedIdentity(chainPEM: chain, keyPEM: key, names: names,
                              notBefore: Int64(leaf.notValidBefore.timeIntervalSince1970 * 1000),
                              notAfter: Int64(leaf.notValidAfter.timeIntervalSince1970 * 1000), renewAt: nil)
    }
}
