import AppBaseCore
@testable import AppBasePlatform
import AppBaseTestSupport
import Logging
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Records what a reload asks of the registry as `add:<app>`, `remove:<app>`, `change:<app>`.
final class FakeAppSet: AppSetApplying {
    let log = EventLog()
    let failing: Set<String>
    init(failing: Set<String> = []) { self.failing = failing }
    func addApp(_ configuration: AppConfiguration) async throws { try note("add", configuration.name) }
    func removeApp(_ name: String) async throws { try note("remove", name) }
    func reconfigureApp(_ configuration: AppConfiguration) async throws { try note("change", configuration.name) }
    private func note(_ step: String, _ app: String) throws {
        log.record("\(step):\(app)")
        if failing.contains(app) { throw TestFailure("cannot \(step) \(app)") }
    }
}

/// Config hot reload: the diff, and what an edit of the file does (or, when invalid, does not).
@Suite struct ConfigReloaderTests {
    static func write(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw TestFailure("open \(path) failed") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw TestFailure("short write to \(path)")
        }
    }

    /// A scratch directory holding `appbase.toml` with `text`; remove `directory` when done.
    static func scratchConfig(_ text: String) throws -> (directory: String, path: String) {
        let directory = try TemporaryDirectory.make(prefix: "reload")
        let path = directory + "/appbase.toml"
        try write(text, to: path)
        return (directory, path)
    }

    /// A reloader over a scratch file holding `text`, applying to `apps`.
    private func makeReloader(_ text: String, apps: FakeAppSet) throws -> (reloader: ConfigReloader, directory: String, path: String) {
        let (directory, path) = try Self.scratchConfig(text)
        let reloader = ConfigReloader(path: path, current: try ConfigLoader.load(path: path), apps: apps, logger: Logger(label: "test"))
        return (reloader, directory, path)
    }

    @Test func theDiffNamesAddedRemovedAndChangedAppsAndRestartOnlySections() throws {
        let old = try ConfigLoader.parse("[apps.a]\n[apps.b]\nport = 3200\n[apps.c]\n", file: "old.toml")
        let new = try ConfigLoader.parse("[server]\nport = 9000\n[apps.b]\nport = 3201\n[apps.c]\n[apps.d]\n", file: "new.toml")
        let diff = ConfigDiff.between(old, new)
        #expect(diff.added.map(\.name) == ["d"])
        #expect(diff.removed == ["a"])
        #expect(diff.changed.map(\.name) == ["b"])
        #expect(diff.needsRestart == ["server"])
        #expect(ConfigDiff.between(new, new).isEmpty)
    }

    @Test func anEditAddsRemovesAndReconfiguresThroughTheRegistry() async throws {
        let apps = FakeAppSet()
        let (reloader, directory, path) = try makeReloader("[apps.keep]\n[apps.gone]\n[apps.tune]\n", apps: apps)
        defer { TemporaryDirectory.remove(directory) }
        try Self.write("[apps.keep]\n[apps.tune]\ncors_origins = [\"http://x.test\"]\n[apps.new]\n", to: path)
        let outcome = await reloader.reload()
        guard case .applied(let diff, let failures) = outcome else {
            Issue.record("reload refused: \(outcome)")
            return
        }
        #expect(failures.isEmpty)
        #expect(diff.added.map(\.name) == ["new"])
        // Removals first (they free names and ports), then changes, then additions.
        #expect(apps.log.events == ["remove:gone", "change:tune", "add:new"])
        #expect(await reloader.current.apps.map(\.name).sorted() == ["keep", "new", "tune"])
    }

    @Test func anInvalidEditIsRefusedNamingFileAndKeyAndChangesNothing() async throws {
        let apps = FakeAppSet()
        let (reloader, directory, path) = try makeReloader("[apps.keep]\n", apps: apps)
        defer { TemporaryDirectory.remove(directory) }
        try Self.write("[apps.keep]\n[apps.new]\nport = 70000\n", to: path)
        let outcome = await reloader.reload()
        #expect(outcome == .refused(ConfigError(file: path, key: "apps.new.port", problem: "must be between 1 and 65535, got 70000")))
        #expect(apps.log.events.isEmpty)
        #expect(await reloader.current.apps.map(\.name) == ["keep"])
    }

    @Test func oneAppFailingToStartDoesNotStopTheOthers() async throws {
        let apps = FakeAppSet(failing: ["broken"])
        let (reloader, directory, path) = try makeReloader("", apps: apps)
        defer { TemporaryDirectory.remove(directory) }
        try Self.write("[apps.broken]\n[apps.fine]\n", to: path)
        let outcome = await reloader.reload()
        guard case .applied(_, let failures) = outcome else {
            Issue.record("reload refused: \(outcome)")
            return
        }
        #expect(failures == ["broken"])
        #expect(apps.log.events == ["add:broken", "add:fine"])
    }
}
