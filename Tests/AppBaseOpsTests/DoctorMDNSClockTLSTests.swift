import AppBaseCore
import AppBaseMDNS
@testable import AppBaseOps
import AppBaseTLS
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// avahi-daemon, the clock and the TLS certificate authority, each as the doctor reports it.
@Suite struct DoctorMDNSClockTLSTests {
    @Test func avahiUnreachableFailsWithWhatToDo() throws {
        let fixture = try DoctorFixture(mdns: true)
        defer { fixture.remove() }
        let report = fixture.doctor(mdns: .unreachable(reason: "Daemon not running")).run()
        #expect(!report.passed)
        let finding = try #require(report.findings(of: "mdns").first)
        #expect(finding.status == .failed)
        #expect(finding.message.contains("Daemon not running") && finding.message.contains("appbase.local"))
        #expect(finding.fix?.contains("apt-get install avahi-daemon") == true)
        #expect(finding.fix?.contains("[mdns] enabled = false") == true)
    }

    @Test func avahiRunningOrStartingUpPasses() throws {
        let fixture = try DoctorFixture(mdns: true)
        defer { fixture.remove() }
        let running = fixture.doctor(mdns: .running(hostName: "box.local", version: "avahi 0.8")).run()
        #expect(running.passed && running.findings(of: "mdns").map(\.status) == [.ok])
        #expect(running.findings(of: "mdns").first?.message.contains("avahi 0.8 is running (host box.local)") == true)
        let starting = fixture.doctor(mdns: .notReady(state: "registering its host name")).run()
        #expect(starting.passed && starting.findings(of: "mdns").map(\.status) == [.warning])
    }

    @Test func mdnsOffIsSkippedWithANote() throws {
        let fixture = try DoctorFixture()
        defer { fixture.remove() }
        let finding = try #require(fixture.doctor(mdns: .unreachable(reason: "must not be asked")).run().findings(of: "mdns").first)
        #expect(finding.status == .skipped && finding.message.contains("[mdns] enabled = false"))
    }

    @Test func aClockBeforeTheReleaseFails() throws {
        let fixture = try DoctorFixture()
        defer { fixture.remove() }
        let report = fixture.doctor(clock: ManualWallClock(milliseconds: Doctor.releaseDateMilliseconds - 86_400_000)).run()
        #expect(!report.passed)
        let finding = try #require(report.findings(of: "clock").first)
        #expect(finding.status == .failed && finding.message.contains("before this release was made"))
        #expect(finding.fix?.contains("timedatectl set-ntp true") == true)
    }

    @Test func anUnsynchronisedClockIsAWarning() throws {
        let fixture = try DoctorFixture()
        defer { fixture.remove() }
        var doctor = fixture.doctor()
        doctor.clockSynchronised = { false }
        let report = doctor.run()
        #expect(report.passed && report.findings(of: "clock").map(\.status) == [.warning])
    }

    @Test func theReleaseDateIsMidnightUTC() {
        #expect(Timestamp.rfc3339(milliseconds: Doctor.releaseDateMilliseconds).hasPrefix(AppBaseVersion.releaseDate + "T00:00:00"))
    }

    @Test func aLocalCAIsCheckedOnceItExists() throws {
        let fixture = try DoctorFixture(extra: "[tls]\nenabled = true\n")
        defer { fixture.remove() }
        let before = try #require(fixture.doctor().run().findings(of: "tls").first)
        #expect(before.status == .ok && before.message.contains("created at the server's first start"))

        let now = SystemWallClock().nowMilliseconds()
        _ = try CertificateAuthority.loadOrCreate(directory: fixture.data + "/tls", clock: ManualWallClock(milliseconds: now))
        let valid = try #require(fixture.doctor().run().findings(of: "tls").first)
        #expect(valid.status == .ok && valid.message.contains("is valid until"))
        // The CA's key and directory are the user's alone, as the permissions check wants.
        #expect(fixture.doctor().run().findings(of: "permissions").map(\.status) == [.ok])

        // Eleven years on, the ten-year CA has expired.
        let later = ManualWallClock(milliseconds: now + 11 * 365 * 86_400_000)
        let expired = try #require(fixture.doctor(clock: later).run().findings(of: "tls").first)
        #expect(expired.status == .failed && expired.message.contains("expired at"))
        #expect(expired.fix?.contains("tls/ folder away") == true)
        // Three weeks before the end: within 30 days, a warning.
        let soon = ManualWallClock(milliseconds: now + (10 * 365 + 2 - 21) * 86_400_000)
        #expect(fixture.doctor(clock: soon).run().findings(of: "tls").map(\.status) == [.warning])
    }

    @Test func aCAFromTheFutureFails() throws {
        let fixture = try DoctorFixture(extra: "[tls]\nenabled = true\n")
        defer { fixture.remove() }
        let now = SystemWallClock().nowMilliseconds()
        _ = try CertificateAuthority.loadOrCreate(directory: fixture.data + "/tls", clock: ManualWallClock(milliseconds: now + 30 * 86_400_000))
        let finding = try #require(fixture.doctor().run().findings(of: "tls").first)
        #expect(finding.status == .failed && finding.message.contains("is not valid until"))
    }

    @Test func keysOutsideTheDataDirectoryMustBeClosedToOthers() throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-doctor-key")
        defer { TemporaryDirectory.remove(directory) }
        let key = directory + "/ca.key"
        try TemporaryDirectory.write(Array("key".utf8), to: key)
        chmod(key, 0o644)
        let open = Doctor.keyFileFinding(path: key, key: "[tls] ca_key")
        #expect(open.status == .failed && open.message.contains("(mode 0644)") && open.fix == "chmod 600 \(key) (or 640 with the server's group owning it)")
        chmod(key, 0o640)
        #expect(Doctor.keyFileFinding(path: key, key: "[tls] ca_key").status == .ok)
        #expect(Doctor.keyFileFinding(path: directory + "/missing.key", key: "[tls] ca_key").status == .failed)
    }
}
