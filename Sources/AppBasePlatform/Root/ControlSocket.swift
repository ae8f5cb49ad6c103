import AppBaseCore
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A local Unix socket (mode 0600, in the data directory) through which the CLI tells a
/// running server about changes it made to an app's database — e.g. `reload-keys notes`
/// after `appbase keys revoke` — and waits for the answer, so the very next request sees
/// the change. See docs/adr/0008-key-change-notification.md.
///
/// Protocol: one line in (`<command> <argument>`), one line out (`ok` or `error <message>`).
final class ControlSocket: Sendable {
    let path: String
    private let descriptor: Int32
    private let thread = DedicatedThread(name: "control-socket")
    private let closed = Atomic<Bool>(false)

    /// Binds `path` and serves `handler` on a dedicated thread.
    init(path: String, handler: @escaping @Sendable (String) async -> String) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AppBaseError.internalError(cause: "control socket: \(String(cString: strerror(errno)))") }
        unlink(path)
        var address = try UnixAddress(path: path)
        let bound = withUnsafePointer(to: &address.storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0, chmod(path, 0o600) == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw AppBaseError.internalError(cause: "control socket \(path): \(reason)")
        }
        descriptor = fd
        thread.execute { [self] in serve(handler) }
    }

    /// Stops serving and removes the socket file.
    func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
        unlink(path)
        thread.shutdown()
    }

    private func serve(_ handler: @escaping @Sendable (String) async -> String) {
        while !closed.load(ordering: .relaxed) {
            let client = accept(descriptor, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if let line = Self.readLine(client) {
                let reply = Self.runBlocking { await handler(line) }
                _ = (reply + "\n").withCString { write(client, $0, strlen($0)) }
            }
            Glibc.close(client)
        }
    }

    /// Runs an async handler to completion from this dedicated thread (never the cooperative pool).
    private static func runBlocking(_ body: @escaping @Sendable () async -> String) -> String {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<String>("error no reply")
        Task {
            let value = await body()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }

    static func readLine(_ fd: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 1024 {
            let count = read(fd, &byte, 1)
            if count <= 0 { break }
            if byte == 10 { break }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}

/// Sends one command to a running server's control socket.
public enum ControlClient {
    /// The server's answer, or nil when no server listens at `path` (no socket file, or nobody
    /// accepting). A server that accepted but did not answer is an error, never "no server": the
    /// caller must not report a revocation as done when the running server did not apply it.
    /// - Parameter timeoutSeconds: how long to wait for the answer (a restore stops and starts an app).
    public static func send(_ command: String, socketPath path: String, timeoutSeconds: Int = 10) throws -> String? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AppBaseError.internalError(cause: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = try UnixAddress(path: path)
        let connected = withUnsafePointer(to: &address.storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, address.length) }
        }
        guard connected == 0 else {
            if errno == ENOENT || errno == ECONNREFUSED { return nil }
            throw AppBaseError.internalError(cause: "cannot reach the server at \(path): \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = (command + "\n").withCString { write(fd, $0, strlen($0)) }
        guard let reply = ControlSocket.readLine(fd) else {
            throw AppBaseError.internalError(cause: "the server at \(path) did not answer \"\(command)\" within \(timeoutSeconds) s")
        }
        return reply
    }

    /// The socket path for a data directory.
    public static func socketPath(dataDirectory: String) -> String { "\(dataDirectory)/appbase.sock" }
}

/// A `sockaddr_un` for a path.
struct UnixAddress {
    var storage = sockaddr_un()
    var length: socklen_t

    init(path: String) throws {
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard bytes.count < capacity else {
            throw AppBaseError.internalError(cause: "socket path too long (\(bytes.count) bytes, max \(capacity - 1)): \(path)")
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
            raw[bytes.count] = 0
        }
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
    }
}
