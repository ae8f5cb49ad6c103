/// One thing announced as one avahi entry group: a DNS-SD service, or address records for a
/// set of host names. They are separate groups so a collision on one (another host owns
/// `notes.appbase.local`) does not take the other (the `notes` service) down with it.
public struct MDNSPublication: Sendable, Equatable {
    /// What the group holds.
    public enum Content: Sendable, Equatable {
        /// A DNS-SD service on this host.
        case service(name: String, type: String, port: Int, txt: [String])
        /// Address records (A/AAAA, no reverse PTR) for each name, pointing at each address.
        case addresses(names: [String], addresses: [MDNSAddress])
    }

    /// Which group: `host.service`, `host.addresses`, `app.<name>.service`, `app.<name>.addresses`.
    public let key: String
    /// The app it belongs to, or nil for the control plane.
    public let app: String?
    public var content: Content

    public init(key: String, app: String?, content: Content) {
        self.key = key
        self.app = app
        self.content = content
    }
}

/// One address a name points at, with the interface to announce it on.
public struct MDNSAddress: Sendable, Equatable, Hashable {
    /// An IPv4 or IPv6 literal.
    public let ip: String
    /// The interface index to announce on, or nil for every interface avahi uses.
    public let interfaceIndex: Int32?

    public init(ip: String, interfaceIndex: Int32? = nil) {
        self.ip = ip
        self.interfaceIndex = interfaceIndex
    }
}
