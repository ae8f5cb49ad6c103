import AppBaseCore
import AppBaseMDNS
import AppBasePlatform
import AppBaseTLS

/// `appbase doctor`: checks what a LAN deployment needs — the configuration, the data directory
/// (writable, on a file system where fsync and rename work, enough free space, secrets not open
/// to other users), the ports, avahi-daemon, the clock and the TLS certificate authority — and
/// says what is wrong in plain words, with what to do.
///
/// Each check lives in its own extension (`Doctor+Ports.swift`, …). The outside world it asks —
/// the clock, avahi-daemon, the kernel's port table — is injected, so every check's logic is
/// tested with paths and ports of the test's own making. Blocking: run it off any event loop.
public struct Doctor: Sendable {
    /// The configuration file to check (`--config`).
    public var configPath: String
    /// The data directory to check (`--data-dir`).
    public var dataDirectory: String
    /// Where "now" comes from.
    public var clock: any WallClock = SystemWallClock()
    /// The earliest believable time: this release's date (`AppBaseVersion.releaseDate`).
    public var notBeforeMilliseconds: Int64 = Doctor.releaseDateMilliseconds
    /// Less free space than this on the data directory's volume is a warning.
    public var minimumFreeBytes: Int64 = 1 << 30
    /// How avahi-daemon is asked.
    public var mdnsProbe: @Sendable () -> MDNSDaemonStatus = { MDNSDaemonProbe.probe() }
    /// How a port is tried.
    public var portProbe: @Sendable (_ host: String, _ port: Int) -> PortProbe.Result = { PortProbe.tryBind(host: $0, port: $1) }
    /// Whether the kernel's clock is synchronised (NTP); nil when it cannot tell.
    public var clockSynchronised: @Sendable () -> Bool? = { ClockSynchronisation.isSynchronised() }

    public init(configPath: String, dataDirectory: String) {
        self.configPath = configPath
        self.dataDirectory = dataDirectory
    }

    /// Runs every check, in the order the report lists them.
    public func run() -> DoctorReport {
        var findings: [DoctorFinding] = []
        let configuration = checkConfiguration(into: &findings)
        let data = checkDataDirectory(into: &findings)
        checkPorts(configuration, serverRunning: data.serverRunning, into: &findings)
        checkMDNS(configuration, into: &findings)
        checkClock(into: &findings)
        checkTLS(configuration, into: &findings)
        checkDiskSpace(volumePath: data.volumePath, into: &findings)
        checkPermissions(configuration, dataDirectoryOwned: data.ownedByThisUser, into: &findings)
        return DoctorReport(findings: findings)
    }

    /// `AppBaseVersion.releaseDate` as milliseconds since the epoch (midnight UTC).
    public static var releaseDateMilliseconds: Int64 {
        let parts = AppBaseVersion.releaseDate.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return 0 }
        return Int64(CivilDate(year: parts[0], month: parts[1], day: parts[2]).daysSinceEpoch) * 86_400_000
    }

    /// The configuration, or nil (with a failed finding) when it does not load.
    func checkConfiguration(into findings: inout [DoctorFinding]) -> ServerConfiguration? {
        do {
            let configuration = try ConfigLoader.load(path: configPath)
            let apps = configuration.apps.count
            let port = configuration.port == 0 ? "any free port" : "port \(configuration.port)"
            findings.append(DoctorFinding(check: "config", status: .ok, message: """
                \(configPath) is valid: the control plane on \(configuration.host), \(port); \(apps) app\(apps == 1 ? "" : "s") \
                in the file; TLS \(configuration.tls.enabled ? "on" : "off"); mDNS \(configuration.mdns.enabled ? "on" : "off")
                """))
            return configuration
        } catch {
            findings.append(DoctorFinding(check: "config", status: .failed, message: "the configuration does not load: \(error)",
                                          fix: "correct the key named above (docs/CONFIGURATION.md lists every key and its range)"))
            return nil
        }
    }

    /// A finding for a check that needs the configuration when it did not load.
    static func needsConfiguration(_ check: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .skipped, message: "needs a valid configuration (see the config check)")
    }
}
