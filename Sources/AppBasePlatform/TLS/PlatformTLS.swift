import AppBaseCore
import AppBaseHTTP
import AppBaseMDNS
import AppBaseTLS
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// HTTPS for the running server (ADR 0031, 0033): the CA (local or the organisation's), the
/// SNI certificate store, the OpenSSL context the HTTP server's listeners use, and the task
/// that renews leaves at two thirds of their life without a restart.
final class PlatformTLS: Sendable {
    let settings: TLSSettings
    let store: ServerCertificateStore
    let context: OpenSSLServerContext
    private let logger: Logger
    private let clock: any WallClock
    private let renewal = SnapshotCell<Task<Void, Never>?>(nil)

    /// Loads or creates the CA and issues the platform's certificate.
    /// - Throws: `TLSError` (unreadable CA files, a key that does not match, …).
    init(configuration: ServerConfiguration, dataDirectory: String, clock: any WallClock, logger: Logger) throws(TLSError) {
        settings = configuration.tls
        self.logger = logger
        self.clock = clock
        let authority = try Self.authority(settings: configuration.tls, dataDirectory: dataDirectory, clock: clock)
        store = try ServerCertificateStore(authority: authority, settings: configuration.tls, domain: configuration.mdns.domain,
                                     platformNames: Self.platformNames(configuration), clock: clock)
        context = try OpenSSLServerContext(store: store)
    }

    /// The configured CA (`[tls] ca_cert`/`ca_key`) or the local one under `data/tls/`.
    static func authority(settings: TLSSettings, dataDirectory: String, clock: any WallClock) throws(TLSError) -> CertificateAuthority {
        if let certificate = settings.caCertificatePath, let key = settings.caKeyPath {
            return try CertificateAuthority.load(certificatePath: certificate, keyPath: key)
        }
        return try CertificateAuthority.loadOrCreate(directory: CertificateAuthority.directory(dataRoot: dataDirectory), clock: clock)
    }

    /// The control plane's names: the mDNS domain, this host's name (bare and `.local`),
    /// `localhost`, the listening address, every interface address, `[mdns] addresses` and
    /// `[tls] extra_names`.
    static func platformNames(_ configuration: ServerConfiguration) -> [String] {
        var names = [configuration.mdns.domain]
        var buffer = [CChar](repeating: 0, count: 256)
        if gethostname(&buffer, buffer.count - 1) == 0 {
            let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
            if TLSSettingsLoader.isDNSName(host) {
                names.append(host)
                if !host.contains(".") { names.append(host + ".local") }
            }
        }
        names.append("localhost")
        if configuration.host != "0.0.0.0" && configuration.host != "::" { names.append(configuration.host) }
        names += HostAddresses.interfaces().filter(\.isUp).map(\.ip)
        names += configuration.mdns.addresses ?? []
        names += configuration.tls.extraNames
        var seen: Set<String> = []
        return names.filter { seen.insert($0.lowercased()).inserted }
    }

    /// Gives an app its names (before its port serves); a failure is logged and the app serves
    /// with the platform certificate, which browsers will flag for its names.
    func appStarting(_ app: String) {
        do {
            try store.addApp(app)
        } catch {
            logger.error("tls: no certificate for app \(app): \(error)")
        }
    }

    func appStopped(_ app: String) { store.removeApp(app) }

    /// Starts the renewal task: wakes at the next renewal time (checked at least hourly, so a
    /// clock change is noticed) and renews what is due.
    func startRenewal() {
        let store = self.store
        let clock = self.clock
        let logger = self.logger
        renewal.update { $0 = Task {
            while !Task.isCancelled {
                let now = clock.nowMilliseconds()
                let wait = min(max((store.nextRenewal() ?? now + 3_600_000) - now, 1000), 3_600_000)
                try? await Task.sleep(for: .milliseconds(wait))
                if Task.isCancelled { return }
                let result = store.renewDue()
                for app in result.renewed { logger.info("tls: renewed the certificate of \(app.isEmpty ? "the control plane" : "app " + app)") }
                for (app, error) in result.failures { logger.error("tls: renewing \(app.isEmpty ? "the control plane" : app) failed: \(error)") }
            }
        } }
    }

    func stop() async {
        let task = renewal.value
        task?.cancel()
        await task?.value
    }

    /// The dispatcher every port uses: `[tls] plain` in front of `inner`.
    func wrap(_ inner: any HTTPDispatcher) -> any HTTPDispatcher {
        settings.plain == .serve ? inner : PlainHTTPPolicyDispatcher(inner: inner, policy: settings.plain)
    }
}
