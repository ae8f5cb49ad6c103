import AppBaseCore

/// The names and TXT records AppBase announces, built from the domain (pure; no I/O).
public struct MDNSNames: Sendable, Equatable {
    /// The control plane's name, e.g. `appbase.local`.
    public let domain: String

    public init(domain: String) {
        self.domain = domain
    }

    /// The service type every announcement uses (browsers and `avahi-browse` know it).
    public static let serviceType = "_http._tcp"
    /// The control plane's DNS-SD instance name (renamed on a collision like any other).
    public static let controlPlaneServiceName = "AppBase"

    /// The host names of one app, in the order the control plane lists them:
    /// `api.<app>.<domain>`, `dashboard.<app>.<domain>`, `<app>.<domain>`.
    public func hostNames(app: String) -> [String] {
        AppHostNames.all(app: app, domain: domain)
    }

    /// Where an app's API answers by name: `api.<app>.<domain>`.
    public func apiHost(app: String) -> String { AppHostNames.api(app: app, domain: domain) }

    /// An app service's TXT strings: which app, where its API is, which AppBase serves it.
    public static func appTXT(app: String, version: String) -> [String] {
        ["app=\(app)", "api=/", "version=\(version)"]
    }

    /// The control plane service's TXT strings.
    public static func controlPlaneTXT(version: String) -> [String] {
        ["api=/api", "version=\(version)"]
    }
}
