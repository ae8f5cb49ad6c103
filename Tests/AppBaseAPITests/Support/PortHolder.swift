import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A loopback port held by this process (bound and listening, never accepting), standing in
/// for "another process" that took a port an app wants.
final class PortHolder: Sendable {
    let port: Int
    private let descriptor: Int32
    private let closed = Atomic<Bool>(false)

    /// Binds an ephemeral port on 127.0.0.1; nil when the socket calls fail.
    init?() {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 1) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Frees the port (once; later calls do nothing).
    func release() {
        guard closed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        close(descriptor)
    }

    deinit { release() }
}
