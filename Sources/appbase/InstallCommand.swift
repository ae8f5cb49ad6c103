import AppBaseOps
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `appbase install [--prefix /usr/local] [--config-dir /etc/appbase] [--no-systemd] [--start]
/// [--dry-run] [--root DIR]`: installs the running binary as a systemd service
/// (docs/adr/0040-install-layout.md). Idempotent: a second run changes nothing that is right.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install this binary as a service: binary, configuration (if absent), systemd unit, user, data directory.")
    @Option(help: "The binary goes to <prefix>/bin/appbase.") var prefix = "/usr/local"
    @Option(name: .customLong("config-dir"), help: "Where appbase.toml goes (an existing one is never overwritten).")
    var configDir = "/etc/appbase"
    @Flag(name: .customLong("no-systemd"), help: "Install no unit and never ask systemd (a box without systemd, a container).")
    var noSystemd = false
    @Flag(help: "Enable the unit and (re)start the service at the end (needs a running systemd).") var start = false
    @Flag(name: .customLong("dry-run"), help: "Print what would be done and change nothing.") var dryRun = false
    @Option(help: "Install into this directory as if it were / (tests, images); systemd is never asked then.")
    var root = "/"

    func validate() throws {
        for (path, option) in [(prefix, "--prefix"), (configDir, "--config-dir"), (root, "--root")] {
            if let problem = InstallLayout.problem(withPath: path, option: option) { throw ValidationError(problem) }
        }
        if start && noSystemd { throw ValidationError("--start needs systemd; it cannot go with --no-systemd") }
    }

    func run() throws {
        // Installed files get exactly the modes the plan names; directories made on the way are 0755.
        umask(0o022)
        let layout = InstallLayout(root: root == "/" ? "/" : String(root.reversed().drop { $0 == "/" }.reversed()),
                                   prefix: prefix, configDirectory: configDir, systemd: !noSystemd)
        let systemdRunning = layout.root == "/" && access("/run/systemd/system", F_OK) == 0
        if start && !systemdRunning {
            throw ValidationError("--start needs a running systemd, and none runs here; start the server yourself (see the next steps)")
        }
        guard let binary = Self.runningBinary() else {
            throw ValidationError("cannot find the running binary (/proc/self/exe); is /proc mounted?")
        }
        if !dryRun && geteuid() != 0 && layout.root == "/" {
            throw ValidationError("installing writes \(layout.prefix)/bin, /etc and creates a user: run it as root (sudo appbase install)")
        }
        let installer = Installer(layout: layout, sourceBinary: binary, accounts: LocalAccounts(root: layout.root),
                                  systemdRunning: systemdRunning, start: start)
        let plan = try installer.plan()
        if dryRun {
            print("appbase install --dry-run\(layout.root == "/" ? "" : " --root \(layout.root)"): the plan")
            for step in plan { print("  \(step.description)") }
            return
        }
        try installer.execute(plan) { print("  \($0)") }
        let changed = plan.contains { $0.changesSomething }
        print(changed ? "AppBase is installed." : "AppBase was already installed; nothing changed.")
        print(installer.nextSteps(started: plan.contains(.enableAndRestart)))
    }

    /// The path of the running executable.
    static func runningBinary() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
