#if canImport(Glibc)
import Glibc
#endif

/// Runs a system command (`useradd`, `systemctl`) with this process's standard streams and
/// waits for it; the installer's only way out of the process. The command is looked up in the
/// system directories only and runs with a fixed, minimal environment: what `sudo` or a
/// bundle's shell passed on must not change what an install does.
enum CommandRunner {
    /// Where commands are looked up, in order.
    static let searchPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    /// The environment every command gets.
    static let environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]

    /// A command that could not start or did not succeed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Whether `name` is an executable in `searchPath`.
    static func exists(_ name: String) -> Bool { locate(name) != nil }

    /// Runs `arguments[0]` (looked up in `searchPath`) with the rest as its arguments.
    /// - Throws: `Failure` when it cannot start or exits non-zero.
    static func run(_ arguments: [String]) throws(Failure) {
        let command = arguments.joined(separator: " ")
        guard let name = arguments.first, let executable = locate(name) else {
            throw Failure(description: "cannot run \(command): no \(arguments.first ?? "command") in \(searchPath.joined(separator: ":"))")
        }
        // posix_spawn wants NUL-terminated C strings it may not keep: copies, freed after the wait.
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned: Int32 = argv.withUnsafeMutableBufferPointer { argvBuffer in
            envp.withUnsafeMutableBufferPointer { envpBuffer in
                // Neither array is empty (each ends with its NULL), so both have a base address.
                guard let argvBase = argvBuffer.baseAddress, let envpBase = envpBuffer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, nil, nil, argvBase, envpBase)
            }
        }
        guard spawned == 0 else {
            throw Failure(description: "cannot run \(command): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waiting for \(command): \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED / WEXITSTATUS are macros Swift does not import: the low 7 bits are the
        // terminating signal (0 for a normal exit), the next 8 the exit code.
        let signal = status & 0x7f
        let code = (status >> 8) & 0xff
        guard signal == 0, code == 0 else {
            throw Failure(description: "\(command) failed (\(signal == 0 ? "exit status \(code)" : "signal \(signal)"))")
        }
    }

    private static func locate(_ name: String) -> String? {
        searchPath.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
