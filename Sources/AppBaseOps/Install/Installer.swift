import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// `appbase install`: puts the running binary, the production configuration (only where none
/// is), the systemd unit, the service user and its `0700` data directory in place, looking at
/// the target system first so that running it again changes nothing that is already right.
public struct Installer: Sendable {
    public var layout: InstallLayout
    /// The binary to install: the running one (`/proc/self/exe`) from the CLI.
    public var sourceBinary: String
    /// How the service user is found and created.
    public var accounts: any SystemAccounts
    /// Whether systemd runs this system (and `root` is `/`): only then is it asked anything.
    public var systemdRunning: Bool
    /// `--start`: enable the unit and (re)start the service at the end.
    public var start: Bool

    public init(layout: InstallLayout, sourceBinary: String, accounts: any SystemAccounts, systemdRunning: Bool, start: Bool = false) {
        self.layout = layout
        self.sourceBinary = sourceBinary
        self.accounts = accounts
        self.systemdRunning = systemdRunning
        self.start = start
    }

    /// What an install would do now, in order.
    /// - Throws: `SystemFiles.Failure` when a file to compare cannot be read.
    public func plan() throws -> [InstallStep] {
        var steps: [InstallStep] = []
        let user = accounts.lookup(user: layout.user)
        if let user {
            steps.append(.unchanged("the system user \(layout.user) exists (uid \(user.uid))"))
        } else {
            steps.append(.createUser(name: layout.user, home: layout.stateDirectory))
        }

        let binary = layout.onDisk(layout.binaryPath)
        if Self.sameFile(sourceBinary, binary) {
            steps.append(.unchanged("\(layout.binaryPath) is the binary running this install"))
        } else if let installed = try SystemFiles.read(binary), installed == (try SystemFiles.read(sourceBinary)) {
            steps.append(.unchanged("\(layout.binaryPath) is this binary already"))
        } else {
            steps.append(.installBinary(from: sourceBinary, to: layout.binaryPath))
        }

        if SystemFiles.status(layout.onDisk(layout.configPath)) != nil {
            steps.append(.unchanged("\(layout.configPath) exists (an existing configuration is never overwritten)"))
        } else {
            steps.append(.writeConfiguration(path: layout.configPath))
        }

        var unitChanged = false
        if layout.systemd {
            if try SystemFiles.readText(layout.onDisk(layout.unitPath)) == layout.unitText {
                steps.append(.unchanged("\(layout.unitPath) is this version's unit"))
            } else {
                steps.append(.writeUnit(path: layout.unitPath))
                unitChanged = true
            }
        }

        if let info = SystemFiles.status(layout.onDisk(layout.stateDirectory)), info.st_mode & S_IFMT == S_IFDIR,
           let user, info.st_uid == user.uid, info.st_mode & 0o777 == 0o700 {
            steps.append(.unchanged("\(layout.stateDirectory) is owned by \(layout.user), mode 0700"))
        } else {
            steps.append(.prepareStateDirectory(path: layout.stateDirectory, user: layout.user))
        }

        if layout.systemd && systemdRunning {
            if unitChanged { steps.append(.reloadSystemd) }
            if start { steps.append(.enableAndRestart) }
        }
        return steps
    }

    /// Carries out `steps`, calling `log` before each one that changes something.
    /// - Throws: the first failure (`SystemFiles.Failure`, `CommandRunner.Failure`, or
    ///   `InstallError`); the steps before it stay done, and running the install again
    ///   continues from there.
    public func execute(_ steps: [InstallStep], log: (String) -> Void) throws {
        for step in steps where step.changesSomething {
            log(step.description)
            switch step {
            case .createUser(let name, let home):
                try accounts.createSystemUser(name, home: home)
            case .installBinary(let from, let to):
                try SystemFiles.makeDirectories(layout.onDisk(layout.prefix + "/bin"), mode: 0o755)
                guard let bytes = try SystemFiles.read(from) else { throw InstallError("the binary \(from) is gone") }
                try SystemFiles.writeAtomically(bytes, to: layout.onDisk(to), mode: 0o755)
            case .writeConfiguration(let path):
                try SystemFiles.makeDirectories(layout.onDisk(layout.configDirectory), mode: 0o755)
                if !(try SystemFiles.createExclusively(Array(InstallAssets.productionConfiguration.utf8), at: layout.onDisk(path), mode: 0o644)) {
                    log("\(path) appeared meanwhile; left as it is")
                }
            case .writeUnit(let path):
                try SystemFiles.makeDirectories(layout.onDisk(layout.unitDirectory), mode: 0o755)
                try SystemFiles.writeAtomically(Array(layout.unitText.utf8), to: layout.onDisk(path), mode: 0o644)
            case .prepareStateDirectory(let path, let name):
                guard let user = accounts.lookup(user: name) else { throw InstallError("the system user \(name) does not exist") }
                let directory = layout.onDisk(path)
                try SystemFiles.makeDirectories(directory, mode: 0o700)
                guard chown(directory, user.uid, user.gid) == 0 else { throw SystemFiles.Failure("chown", directory) }
                guard chmod(directory, 0o700) == 0 else { throw SystemFiles.Failure("chmod", directory) }
            case .reloadSystemd:
                try CommandRunner.run(["systemctl", "daemon-reload"])
            case .enableAndRestart:
                try CommandRunner.run(["systemctl", "enable", "appbase.service"])
                try CommandRunner.run(["systemctl", "restart", "appbase.service"])
            case .unchanged:
                break
            }
        }
    }

    /// What to run and open after an install, with this layout's paths.
    public func nextSteps(started: Bool) -> String {
        let cli = "runuser -u \(layout.user) -- \(layout.binaryPath)"
        let paths = "--config \(layout.configPath) --data-dir \(layout.stateDirectory)"
        var lines = ["Next:"]
        if !layout.systemd {
            lines.append("  \(cli) serve \(paths)   # run the server (port 80 needs CAP_NET_BIND_SERVICE or another [server] port)")
        } else if !started {
            lines.append("  systemctl daemon-reload && systemctl enable --now appbase   # start it now and at every boot")
        }
        lines += [
            "  \(cli) doctor \(paths)   # checks the setup; exit 0 when all holds",
            "  \(cli) keys create --master --name admin \(paths)   # prints the master key for the control page",
            "Then open http://appbase.local/ (or http://<this box's address>/) and paste the key.",
            "Each device trusts the HTTPS certificate authority once: http://appbase.local/ca",
            "Logs: journalctl -u appbase. Configuration: \(layout.configPath) (applied while the server runs).",
        ]
        return lines.joined(separator: "\n")
    }

    /// Whether two paths name the same file (same device and inode).
    static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat(), b = stat()
        return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}

/// An install that cannot go on, with the reason in plain words.
public struct InstallError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
