import AppBaseHTTP
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The libuv watch behind config hot reload: a rewrite of the file and SIGHUP each call back.
@Suite struct FileChangeWatcherTests {
    @Test func rewritingTheFileAndSIGHUPAreBothReported() async throws {
        let (directory, path) = try ConfigReloaderTests.scratchConfig("")
        defer { TemporaryDirectory.remove(directory) }
        let loop = EventLoop()
        defer { loop.stop() }
        let log = EventLog()
        let watcher = try await FileChangeWatcher(loop: loop, path: path, signal: SIGHUP) { reason in
            switch reason {
            case .fileChanged: log.record("file")
            case .signal(let number): log.record("signal:\(number)")
            }
        }
        // Another file in the same directory is not ours.
        try ConfigReloaderTests.write("x", to: directory + "/other.toml")
        // Written as editors do: a new file renamed over the old one.
        try ConfigReloaderTests.write("[apps.a]\n", to: directory + "/appbase.toml.tmp")
        rename(directory + "/appbase.toml.tmp", path)
        #expect(await log.wait(for: "file", timeout: .seconds(10)))
        kill(getpid(), SIGHUP)
        #expect(await log.wait(for: "signal:\(SIGHUP)", timeout: .seconds(10)))
        await watcher.stop()
        #expect(!log.events.contains { $0 != "file" && $0 != "signal:\(SIGHUP)" })
    }
}
