/// `[tls]` in `appbase.toml`; docs/CONFIGURATION.md lists the keys with their defaults.
public struct TLSSettings: Sendable, Equatable {
    /// What a plain-HTTP request gets while TLS is on (`[tls] plain`).
    public enum PlainPolicy: String, Sendable, Equatable, CaseIterable {
        /// Answered as over TLS.
        case serve
        /// A browser's request (`Upgrade-Insecure-Requests: 1`) gets `308` to https; API clients are served.
        case redirect
        /// Answered `403 tls_required` (except `/health` and `/ca`).
        case refuse
    }

    /// `[tls] enabled`: false serves plain HTTP only and creates no CA.
    public var enabled: Bool
    /// `[tls] plain`.
    public var plain: PlainPolicy
    /// `[tls] ca_cert` / `ca_key`: an organisation's own CA (PEM files) instead of the local one.
    public var caCertificatePath: String?
    public var caKeyPath: String?
    /// `[tls.apps.<name>] cert` / `key`: an app's own certificate and key (PEM), instead of one
    /// issued by the CA.
    public var appCertificates: [String: CertificateFiles]
    /// `[tls] leaf_days`: a leaf certificate's lifetime (renewed at two thirds of it).
    public var leafDays: Int
    /// `[tls] extra_names`: more DNS names or IP addresses for the control plane's certificate.
    public var extraNames: [String]

    /// A certificate chain and its key, as PEM files.
    public struct CertificateFiles: Sendable, Equatable {
        public var certificate: String
        public var key: String
        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    public init(enabled: Bool = false, plain: PlainPolicy = .redirect, caCertificatePath: String? = nil, caKeyPath: String? = nil,
                appCertificates: [String: CertificateFiles] = [:], leafDays: Int = 90, extraNames: [String] = []) {
        self.enabled = enabled
        self.plain = plain
        self.caCertificatePath = caCertificatePath
        self.caKeyPath = caKeyPath
        self.appCertificates = appCertificates
        self.leafDays = leafDays
        self.extraNames = extraNames
    }
}
