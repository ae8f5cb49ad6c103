import AppBaseCore
import AppBasePlatform
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A real AppBase server on ephemeral loopback ports over a fresh temporary data directory.
/// Tests run in parallel, each with its own server.
final class LiveServer: Sendable {
    let root: RootSupervisor
    let ports: RootSupervisor.Ports
    let dataDirectory: String

    /// Starts a server with `apps` (each on an ephemeral port unless the configuration fixes one).
    static func start(apps: [AppConfiguration] = [AppConfiguration(name: "notes", port: 0)],
                      configure: (inout ServerConfiguration) -> Void = { _ in },
                      clock: any WallClock = SystemWallClock()) async throws -> LiveServer {
        let directory = TemporaryDirectory.make()
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, accessLog: false, apps: apps)
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let root = RootSupervisor(configuration: configuration, dataDirectory: directory, clock: clock, logger: logger)
        let ports = try await root.start()
        return LiveServer(root: root, ports: ports, dataDirectory: directory)
    }

    private init(root: RootSupervisor, ports: RootSupervisor.Ports, dataDirectory: String) {
        self.root = root
        self.ports = ports
        self.dataDirectory = dataDirectory
    }

    func port(of app: String) -> Int { ports.apps[app] ?? -1 }

    func stop() async {
        await root.shutdown()
        TemporaryDirectory.remove(dataDirectory)
    }
}

/// Temporary directories for test data.
enum TemporaryDirectory {
    static func make() -> String {
        var template = Array("/tmp/appbase-test-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { buffer -> String in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return "/tmp/appbase-test-fallback-\(getpid())" }
            return String(cString: base)
        }
        return path
    }

    static func remove(_ path: String) {
        guard path.hasPrefix("/tmp/appbase-test-") else { return }
        _ = system("rm -rf '\(path)'")
    }
}
