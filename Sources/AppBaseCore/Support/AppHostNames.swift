/// The DNS names one app answers to under the control plane's domain — announced over mDNS
/// (`MDNSNames`) and written into the app's TLS certificate (`ServerCertificateStore`): one home,
/// so the names a client resolves are always the names its certificate covers.
public enum AppHostNames {
    /// `api.<app>.<domain>`, `dashboard.<app>.<domain>`, `<app>.<domain>`, in that order.
    public static func all(app: String, domain: String) -> [String] {
        [api(app: app, domain: domain), "dashboard.\(app).\(domain)", "\(app).\(domain)"]
    }

    /// Where the app's API answers by name: `api.<app>.<domain>`.
    public static func api(app: String, domain: String) -> String { "api.\(app).\(domain)" }
}
