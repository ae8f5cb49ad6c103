import AppBaseCore
import AppBaseMDNS
@testable import AppBaseOps
import AppBaseTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory with a configuration file and a `0700` data directory, and a `Doctor`
/// over them whose outside world is injected: avahi answers as told, the clock is synchronised.
struct DoctorFixture {
    let directory: String
    let config: String
    let data: String
    /// A port nothing listens on (bound and released by the fixture).
    let port: Int

    /// `extra` is appended to a configuration with `[server]` on 127.0.0.1:`port` (or `server`),
    /// mDNS off (unless `mdns`) and TLS off.
    init(extra: String = "", server: String? = nil, mdns: Bool = false, createData: Bool = true) throws {
        directory = try TemporaryDirectory.make(prefix: "appbase-doctor")
        config = directory + "/appbase.toml"
        data = directory + "/data"
        port = try Self.freePort()
        let text = (server ?? "[server]\nhost = \"127.0.0.1\"\nport = \(port)\n") + "[mdns]\nenabled = \(mdns)\n" + extra + "\n"
        try TemporaryDirectory.write(Array(text.utf8), to: config)
        if createData { mkdir(data, 0o700) }
    }

    /// A doctor over the fixture: avahi reports `mdns`, the clock is synchronised, and any free
    /// space is enough.
    func doctor(mdns: MDNSDaemonStatus = .unreachable(reason: "not asked"), clock: any WallClock = SystemWallClock()) -> Doctor {
        var doctor = Doctor(configPath: config, dataDirectory: data)
        doctor.mdnsProbe = { mdns }
        doctor.clockSynchronised = { true }
        doctor.minimumFreeBytes = 0
        doctor.clock = clock
        return doctor
    }

    func remove() { TemporaryDirectory.remove(directory) }

    /// A port the kernel just handed out and nothing holds now.
    static func freePort() throws -> Int {
        let listener = try Listener()
        return listener.port
    }
}

/// A TCP socket listening on 127.0.0.1 at a kernel-chosen port, closed by `close()`.
final class Listener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard fd >= 0, bound == 0, listen(fd, 1) == 0 else {
            close(fd)
            throw TestFailure("listen: \(errno)")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}

extension DoctorReport {
    /// The statuses by check, in order (a check with several findings appears several times).
    var statuses: [String] { findings.map { "\($0.check):\($0.status.rawValue)" } }
}
