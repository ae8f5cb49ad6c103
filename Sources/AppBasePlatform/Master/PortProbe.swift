#if canImport(Glibc)
import Glibc
#endif

/// Whether a TCP port can be bound right now, found by binding it (and closing at once).
/// The PortAllocator asks before it assigns a port, so a port another process holds is skipped
/// instead of failing the app's start; the listen that follows can still lose a race, which
/// the registry handles by asking again.
enum PortProbe {
    /// True when `host:port` (an IPv4 or IPv6 literal) can be bound. `SO_REUSEADDR` is set as
    /// libuv sets it, so a port in TIME_WAIT after our own listener closed counts as free.
    static func isFree(host: String, port: Int) -> Bool {
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let isV4 = inet_pton(AF_INET, host, &v4.sin_addr) == 1
        guard isV4 || inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 else { return false }
        let descriptor = socket(isV4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if isV4 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            result = withUnsafePointer(to: &v4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
            result = withUnsafePointer(to: &v6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        return result == 0
    }
}
