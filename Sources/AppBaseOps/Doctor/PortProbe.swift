#if canImport(Glibc)
import Glibc
#endif

/// Whether a TCP port can be listened on, found out the only reliable way: by binding it (with
/// `SO_REUSEADDR`, as the server's libuv listeners do, so a port in `TIME_WAIT` counts as free)
/// and closing it again at once.
public enum PortProbe {
    /// What binding found.
    public enum Result: Sendable, Equatable {
        /// Bound and listened: the server will get it.
        case free
        /// Another socket listens there.
        case inUse
        /// Below 1024 and this process lacks `CAP_NET_BIND_SERVICE`. `listening` says whether the
        /// kernel's socket table shows a listener on it (nil: the table could not be read).
        case privileged(listening: Bool?)
        /// `host` is not an address of this machine.
        case addressUnavailable
        /// Anything else, with `strerror`.
        case failed(String)
    }

    /// Binds `host:port` and closes it.
    public static func tryBind(host: String, port: Int) -> Result {
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        if let address = ipv4(host, port) {
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in.self) }
        } else if let address = ipv6(host, port) {
            family = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in6.self) }
        } else {
            return .failed("\(host) is not an IP address")
        }
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return .failed(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        // listen() too: with SO_REUSEADDR, Linux may let a bind through that the listen then refuses.
        if bound == 0 && listen(descriptor, 1) == 0 { return .free }
        switch errno {
        case EADDRINUSE: return .inUse
        case EACCES: return .privileged(listening: listeningPorts().map { $0.contains(port) })
        case EADDRNOTAVAIL: return .addressUnavailable
        default: return .failed(String(cString: strerror(errno)))
        }
    }

    /// The TCP ports something listens on, from `/proc/net/tcp` and `/proc/net/tcp6`; nil
    /// when neither can be read (no `/proc`).
    public static func listeningPorts() -> Set<Int>? {
        let tables = ["/proc/net/tcp", "/proc/net/tcp6"].compactMap { try? SystemFiles.readText($0) }
        guard !tables.isEmpty else { return nil }
        return Set(tables.flatMap { listeningPorts(inTable: $0) })
    }

    /// The local ports of the `LISTEN` (state `0A`) rows of one `/proc/net/tcp*` table, whose
    /// rows read `sl local_address(hex ip:hex port) rem_address st …`.
    static func listeningPorts(inTable table: String) -> [Int] {
        table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 3, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":") else { return nil }
            return Int(fields[1][fields[1].index(after: colon)...], radix: 16)
        }
    }

    private static func ipv4(_ host: String, _ port: Int) -> sockaddr_in? {
        var address = sockaddr_in()
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(clamping: port).bigEndian
        return address
    }

    private static func ipv6(_ host: String, _ port: Int) -> sockaddr_in6? {
        var address = sockaddr_in6()
        guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { return nil }
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = UInt16(clamping: port).bigEndian
        return address
    }
}
