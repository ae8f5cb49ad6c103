/// Where `appbase install` puts things (docs/adr/0040-install-layout.md): the binary under
/// `--prefix`, the configuration under `--config-dir`, the unit in `/etc/systemd/system`, the
/// data in `/var/lib/appbase` (the unit's `StateDirectory=appbase`), all owned by the `appbase`
/// system user except the binary, the configuration and the unit, which root owns.
public struct InstallLayout: Sendable, Equatable {
    /// Every path below is inside this directory (`--root`): `/` on a real install, a scratch
    /// directory in tests or when preparing an image.
    public var root: String
    /// `--prefix`: the binary goes to `<prefix>/bin/appbase`.
    public var prefix: String
    /// `--config-dir`: holds `appbase.toml`.
    public var configDirectory: String
    /// The data directory. Fixed, because the unit's `StateDirectory=appbase` is.
    public let stateDirectory = "/var/lib/appbase"
    /// Where systemd looks for administrator-installed units.
    public let unitDirectory = "/etc/systemd/system"
    /// The system user the server runs as (the unit's `User=`).
    public let user = "appbase"
    /// false (`--no-systemd`): no unit is installed and systemd is never asked.
    public var systemd: Bool

    public init(root: String = "/", prefix: String = "/usr/local", configDirectory: String = "/etc/appbase", systemd: Bool = true) {
        self.root = root
        self.prefix = prefix
        self.configDirectory = configDirectory
        self.systemd = systemd
    }

    public var binaryPath: String { prefix + "/bin/appbase" }
    public var configPath: String { configDirectory + "/appbase.toml" }
    public var unitPath: String { unitDirectory + "/appbase.service" }

    /// Where `path` (as the installed system sees it) is on this machine: under `root`.
    public func onDisk(_ path: String) -> String { root == "/" ? path : root + path }

    /// The unit with this layout's binary and configuration paths in `ExecStart`.
    public var unitText: String {
        InstallAssets.unit
            .replacing("/usr/local/bin/appbase serve", with: "\(binaryPath) serve")
            .replacing("--config /etc/appbase/appbase.toml", with: "--config \(configPath)")
    }

    /// The problem with a path option (`--prefix`, `--config-dir`), or nil: absolute, no `..`,
    /// nothing a unit file's `ExecStart` would split or expand (spaces, `$`, `%`, quotes).
    public static func problem(withPath path: String, option: String) -> String? {
        guard path.hasPrefix("/") else { return "\(option) must be an absolute path, got \"\(path)\"" }
        guard !path.split(separator: "/").contains("..") else { return "\(option) must not contain .., got \"\(path)\"" }
        let unsafe = path.unicodeScalars.first { !$0.isASCII || !($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/._-+".unicodeScalars.contains($0)) }
        if let unsafe { return "\(option) may hold only letters, digits and / . _ - +, got \"\(unsafe)\" in \"\(path)\"" }
        return nil
    }
}
