import AppBaseCore
import AppBaseMDNS
@testable import AppBaseOps
import AppBasePlatform
import AppBaseTLS
import AppBaseTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The service user in memory: created users get this process's uid and gid, so the installer's
/// chown works in a scratch root without root privileges or touching this machine's users.
final class FakeAccounts: SystemAccounts {
    private let created = Mutex<[String]>([])
    var users: [String] { created.withLock { $0 } }

    func lookup(user: String) -> (uid: uid_t, gid: gid_t)? {
        created.withLock { $0.contains(user) } ? (getuid(), getgid()) : nil
    }

    func createSystemUser(_ name: String, home: String) throws {
        created.withLock { $0.append(name) }
    }
}

/// `appbase install` into a scratch root: the plan, what lands where with which mode, and that
/// a second run changes nothing (and never touches an edited configuration).
@Suite struct InstallerTests {
    /// A scratch root and a fake "binary" to install.
    struct Scratch {
        let root: String
        let binary: String
        init() throws {
            root = try TemporaryDirectory.make(prefix: "appbase-install")
            binary = root + "/appbase-source"
            try TemporaryDirectory.write(Array("#!/bin/sh\necho appbase\n".utf8), to: binary)
        }
        func installer(_ accounts: FakeAccounts, systemd: Bool = true, prefix: String = "/usr/local") -> Installer {
            Installer(layout: InstallLayout(root: root, prefix: prefix, systemd: systemd), sourceBinary: binary, accounts: accounts,
                      systemdRunning: false)
        }
        func mode(_ path: String) -> mode_t { (SystemFiles.status(root + path)?.st_mode ?? 0) & 0o7777 }
        func text(_ path: String) throws -> String? { try SystemFiles.readText(root + path) }
    }

    @Test func installsEverythingWithTheRightModes() throws {
        let scratch = try Scratch()
        defer { TemporaryDirectory.remove(scratch.root) }
        let accounts = FakeAccounts()
        let installer = scratch.installer(accounts)
        let plan = try installer.plan()
        #expect(plan == [
            .createUser(name: "appbase", home: "/var/lib/appbase"),
            .installBinary(from: scratch.binary, to: "/usr/local/bin/appbase"),
            .writeConfiguration(path: "/etc/appbase/appbase.toml"),
            .writeUnit(path: "/etc/systemd/system/appbase.service"),
            .prepareStateDirectory(path: "/var/lib/appbase", user: "appbase"),
        ])
        var logged: [String] = []
        try installer.execute(plan) { logged.append($0) }
        #expect(logged.count == 5)
        #expect(accounts.users == ["appbase"])
        #expect(try scratch.text("/usr/local/bin/appbase") == "#!/bin/sh\necho appbase\n")
        #expect(scratch.mode("/usr/local/bin/appbase") == 0o755)
        #expect(try scratch.text("/etc/appbase/appbase.toml") == InstallAssets.productionConfiguration)
        #expect(scratch.mode("/etc/appbase/appbase.toml") == 0o644)
        #expect(try scratch.text("/etc/systemd/system/appbase.service") == InstallAssets.unit)
        #expect(scratch.mode("/etc/systemd/system/appbase.service") == 0o644)
        #expect(scratch.mode("/var/lib/appbase") == 0o700)
        #expect(SystemFiles.status(scratch.root + "/var/lib/appbase")?.st_uid == getuid())
        // Nothing left over from the atomic writes.
        #expect(TemporaryDirectory.list(scratch.root + "/etc/appbase") == ["appbase.toml"])
    }

    @Test func aSecondRunChangesNothingAndKeepsAnEditedConfiguration() throws {
        let scratch = try Scratch()
        defer { TemporaryDirectory.remove(scratch.root) }
        let accounts = FakeAccounts()
        let installer = scratch.installer(accounts)
        try installer.execute(try installer.plan()) { _ in }
        let edited = "[server]\nport = 8081\n"
        try SystemFiles.writeAtomically(Array(edited.utf8), to: scratch.root + "/etc/appbase/appbase.toml", mode: 0o644)
        let again = try installer.plan()
        #expect(!again.contains { $0.changesSomething })
        #expect(again.count == 5)
        try installer.execute(again) { _ in Issue.record("nothing should be done") }
        #expect(try scratch.text("/etc/appbase/appbase.toml") == edited)
    }

    @Test func aChangedBinaryOrUnitIsReplacedAndALooseStateDirectoryFixed() throws {
        let scratch = try Scratch()
        defer { TemporaryDirectory.remove(scratch.root) }
        let accounts = FakeAccounts()
        let installer = scratch.installer(accounts)
        try installer.execute(try installer.plan()) { _ in }
        try TemporaryDirectory.write(Array("new version".utf8), to: scratch.binary)
        try SystemFiles.writeAtomically(Array("[Unit]\n".utf8), to: scratch.root + "/etc/systemd/system/appbase.service", mode: 0o644)
        chmod(scratch.root + "/var/lib/appbase", 0o755)
        let plan = try installer.plan().filter(\.changesSomething)
        #expect(plan == [
            .installBinary(from: scratch.binary, to: "/usr/local/bin/appbase"),
            .writeUnit(path: "/etc/systemd/system/appbase.service"),
            .prepareStateDirectory(path: "/var/lib/appbase", user: "appbase"),
        ])
        try installer.execute(plan) { _ in }
        #expect(try scratch.text("/usr/local/bin/appbase") == "new version")
        #expect(scratch.mode("/var/lib/appbase") == 0o700)
    }

    @Test func noSystemdMeansNoUnitAndOtherPathsGoIntoTheUnit() throws {
        let scratch = try Scratch()
        defer { TemporaryDirectory.remove(scratch.root) }
        let plan = try scratch.installer(FakeAccounts(), systemd: false).plan()
        #expect(!plan.contains(.writeUnit(path: "/etc/systemd/system/appbase.service")))
        #expect(!plan.contains(.reloadSystemd))
        let layout = InstallLayout(prefix: "/opt/appbase", configDirectory: "/srv/conf")
        #expect(layout.unitText.contains(
            "ExecStart=/opt/appbase/bin/appbase serve --config /srv/conf/appbase.toml --data-dir /var/lib/appbase\n"))
        #expect(!layout.unitText.contains("/usr/local/bin"))
    }

    @Test func systemdIsReloadedOnlyWhenTheUnitChangedAndStartedOnlyWhenAsked() throws {
        let scratch = try Scratch()
        defer { TemporaryDirectory.remove(scratch.root) }
        let layout = InstallLayout(root: scratch.root)
        let running = Installer(layout: layout, sourceBinary: scratch.binary, accounts: FakeAccounts(), systemdRunning: true, start: true)
        #expect(try Array(running.plan().suffix(2)) == [.reloadSystemd, .enableAndRestart])
        #expect(running.nextSteps(started: true).contains("runuser -u appbase -- /usr/local/bin/appbase doctor --config /etc/appbase/appbase.toml --data-dir /var/lib/appbase"))
        #expect(!running.nextSteps(started: true).contains("systemctl enable"))
        #expect(running.nextSteps(started: false).contains("systemctl daemon-reload && systemctl enable --now appbase"))
    }

    @Test func pathOptionsAreChecked() {
        #expect(InstallLayout.problem(withPath: "/usr/local", option: "--prefix") == nil)
        #expect(InstallLayout.problem(withPath: "usr/local", option: "--prefix")?.contains("absolute") == true)
        #expect(InstallLayout.problem(withPath: "/usr/../etc", option: "--prefix")?.contains("..") == true)
        #expect(InstallLayout.problem(withPath: "/opt/app base", option: "--prefix")?.contains("only letters") == true)
        #expect(InstallLayout.problem(withPath: "/opt/$HOME", option: "--prefix") != nil)
    }

    @Test func usersAreReadFromPasswd() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nappbase:x:998:997:AppBase server:/var/lib/appbase:/usr/sbin/nologin\n"
        let user = LocalAccounts.lookup(user: "appbase", inPasswd: passwd)
        #expect(user?.uid == 998 && user?.gid == 997)
        #expect(LocalAccounts.lookup(user: "app", inPasswd: passwd) == nil)
    }

    @Test func createExclusivelyNeverReplaces() throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-exclusive")
        defer { TemporaryDirectory.remove(directory) }
        #expect(try SystemFiles.createExclusively(Array("one".utf8), at: directory + "/f", mode: 0o644))
        #expect(try !SystemFiles.createExclusively(Array("two".utf8), at: directory + "/f", mode: 0o644))
        #expect(try SystemFiles.readText(directory + "/f") == "one")
        #expect(TemporaryDirectory.list(directory) == ["f"])
    }
}

/// The unit and the production configuration built into the binary are the repository's files,
/// and the configuration is what docs/CONFIGURATION.md says it is.
@Suite struct InstallAssetsTests {
    static let repository: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path
    }()

    @Test func theBuiltInFilesAreTheRepositorysFiles() throws {
        #expect(try SystemFiles.readText(Self.repository + "/Configuration/appbase.service") == InstallAssets.unit)
        #expect(try SystemFiles.readText(Self.repository + "/Configuration/appbase.production.toml") == InstallAssets.productionConfiguration)
    }

    @Test func theProductionConfigurationServesPort80WithTLSOnTheSamePort() throws {
        let configuration = try ConfigLoader.parse(InstallAssets.productionConfiguration, file: "appbase.production.toml")
        #expect(configuration.host == "0.0.0.0" && configuration.port == 80)
        #expect(configuration.tls.enabled && configuration.tls.plain == .serve)
        #expect(configuration.mdns.enabled)
        #expect(configuration.apps.isEmpty)
    }

    @Test func theUnitRunsTheInstalledLayoutUnprivileged() {
        let unit = InstallAssets.unit
        for line in ["User=appbase", "StateDirectory=appbase", "StateDirectoryMode=0700", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "PrivateTmp=yes", "Restart=on-failure", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                     "ExecStart=/usr/local/bin/appbase serve --config /etc/appbase/appbase.toml --data-dir /var/lib/appbase"] {
            #expect(unit.contains("\n\(line)\n"), "missing \(line)")
        }
    }
}
