import AppBaseCore

/// `[mdns]` in `appbase.toml`: whether to announce, under which `.local` domain, and which
/// addresses the names point at. docs/CONFIGURATION.md lists the keys with their defaults.
public struct MDNSSettings: Sendable, Equatable {
    /// `[mdns] enabled`: false starts no announcer at all.
    public var enabled: Bool
    /// `[mdns] domain`: the control plane's name; apps live under it (`api.<app>.<domain>`).
    public var domain: String
    /// `[mdns] addresses`: the IPs every name points at; nil means the addresses of the
    /// multicast-capable interfaces that are up (the ones avahi-daemon announces on).
    public var addresses: [String]?

    /// The most addresses `[mdns] addresses` may list.
    public static let maxAddresses = 16

    public init(enabled: Bool = true, domain: String = "appbase.local", addresses: [String]? = nil) {
        self.enabled = enabled
        self.domain = domain
        self.addresses = addresses
    }

    /// Why `domain` cannot be published, or nil when it can: DNS labels of 1–63 letters,
    /// digits and inner hyphens, ending in `.local` (mDNS answers only for `.local`), with room
    /// for the longest app host name (`dashboard.<40-byte app>.`) within 255 bytes.
    public static func problem(withDomain domain: String) -> String? {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.last == "local" else {
            return "must be a name ending in .local (mDNS answers only for .local), got \"\(domain)\""
        }
        for label in labels where !DNSLabel.isValid(label) {
            return "\"\(label)\" is not a DNS label (1-63 lowercase letters, digits and inner hyphens)"
        }
        guard domain.utf8.count <= 255 - "dashboard.".utf8.count - 41 else {
            return "must be at most \(255 - "dashboard.".utf8.count - 41) bytes so every app's host names fit in 255"
        }
        return nil
    }
}
