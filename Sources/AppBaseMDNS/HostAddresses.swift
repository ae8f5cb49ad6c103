#if canImport(Glibc)
import Glibc
#endif

/// One address of one network interface, as `getifaddrs` reports it.
public struct InterfaceAddress: Sendable, Equatable {
    public let interface: String
    public let index: Int32
    public let ip: String
    public let isUp: Bool
    public let isMulticast: Bool
    public let isPointToPoint: Bool

    public init(interface: String, index: Int32, ip: String, isUp: Bool = true, isMulticast: Bool = true,
                isPointToPoint: Bool = false) {
        self.interface = interface
        self.index = index
        self.ip = ip
        self.isUp = isUp
        self.isMulticast = isMulticast
        self.isPointToPoint = isPointToPoint
    }
}

/// Chooses the addresses AppBase's names point at (pure, apart from `interfaces()`).
/// Every name gets all of them: avahi accepts several A/AAAA records for one name in one group
/// (checked against avahi 0.8 in the sandbox), and a client picks the one it can reach.
public enum HostAddresses {
    /// The default: each address of an interface that is up and multicast-capable and not
    /// point-to-point — the interfaces avahi-daemon announces on (in the sandbox, the
    /// namespace's multicast loopback). Each is announced on its own interface only, so a
    /// LAN never learns an address of another network it cannot reach.
    public static func select(from interfaces: [InterfaceAddress]) -> [MDNSAddress] {
        interfaces.filter { $0.isUp && $0.isMulticast && !$0.isPointToPoint }
            .map { MDNSAddress(ip: $0.ip, interfaceIndex: $0.index) }
    }

    /// `[mdns] addresses`: each announced on the interface that holds it, or on every
    /// interface when none does (an address of a router or a NAT in front).
    public static func configured(_ ips: [String], interfaces: [InterfaceAddress]) -> [MDNSAddress] {
        ips.map { ip in MDNSAddress(ip: ip, interfaceIndex: interfaces.first { $0.ip == ip }?.index) }
    }

    /// This host's interface addresses (IPv4 and IPv6), from `getifaddrs`.
    public static func interfaces() -> [InterfaceAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var result: [InterfaceAddress] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let socketAddress = entry.pointee.ifa_addr, let namePointer = entry.pointee.ifa_name else { continue }
            guard let ip = numericHost(socketAddress) else { continue }
            let flags = Int32(bitPattern: entry.pointee.ifa_flags)
            let name = String(cString: namePointer)
            result.append(InterfaceAddress(
                interface: name, index: Int32(bitPattern: if_nametoindex(namePointer)), ip: ip,
                isUp: flags & Int32(IFF_UP) != 0, isMulticast: flags & Int32(IFF_MULTICAST) != 0,
                isPointToPoint: flags & Int32(IFF_POINTOPOINT) != 0))
        }
        return result
    }

    private static func numericHost(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        let family = Int32(address.pointee.sa_family)
        let length: Int
        switch family {
        case AF_INET: length = MemoryLayout<sockaddr_in>.size
        case AF_INET6: length = MemoryLayout<sockaddr_in6>.size
        default: return nil
        }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, socklen_t(length), &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return nil
        }
        // Link-local IPv6 comes back with a zone ("fe80::1%eth0"); avahi takes the bare address
        // and the interface index separately.
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(separator: "%", maxSplits: 1).first.map(String.init)
    }
}
