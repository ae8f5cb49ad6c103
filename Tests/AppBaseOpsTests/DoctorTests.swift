import AppBaseCore
import AppBaseMDNS
@testable import AppBaseOps
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `appbase doctor` on a good setup and on each way a setup can be broken, with the world it
/// asks (avahi, the clock) injected and real files and ports of the test's own.
@Suite struct DoctorTests {
    @Test func aGoodSetupPassesEveryCheck() throws {
        let fixture = try DoctorFixture()
        defer { fixture.remove() }
        let report = fixture.doctor().run()
        #expect(report.passed)
        #expect(report.statuses == ["config:ok", "data_dir:ok", "durability:ok", "ports:ok", "mdns:skipped", "clock:ok",
                                    "tls:skipped", "disk_space:ok", "permissions:ok"])
        #expect(report.json["ok"] == .bool(true))
        #expect(report.text.hasSuffix("All checks hold."))
        // The durability probe leaves nothing behind.
        #expect(TemporaryDirectory.list(fixture.data).isEmpty)
    }

    @Test func anInvalidConfigurationFailsAndSkipsWhatDependsOnIt() throws {
        let fixture = try DoctorFixture(server: "[server]\nport = 70000\n")
        defer { fixture.remove() }
        let report = fixture.doctor().run()
        #expect(!report.passed)
        let config = try #require(report.findings(of: "config").first)
        #expect(config.status == .failed)
        #expect(config.message.contains("server.port") && config.message.contains("65535"))
        for check in ["ports", "mdns", "tls"] { #expect(report.findings(of: check).map(\.status) == [.skipped]) }
        #expect(report.json["ok"] == .bool(false))
        #expect(report.text.contains("FAILED") && report.text.hasSuffix("1 check failed."))
    }

    @Test func aMissingDataDirectoryIsAWarningOnly() throws {
        let fixture = try DoctorFixture(createData: false)
        defer { fixture.remove() }
        let report = fixture.doctor().run()
        #expect(report.passed)
        #expect(report.findings(of: "data_dir").map(\.status) == [.warning])
        #expect(report.findings(of: "durability").map(\.status) == [.skipped])
        #expect(report.findings(of: "permissions").map(\.status) == [.skipped])
        #expect(report.findings(of: "disk_space").map(\.status) == [.ok])
    }

    @Test func aDataDirectoryOthersCanWriteFails() throws {
        let fixture = try DoctorFixture()
        defer { fixture.remove() }
        chmod(fixture.data, 0o777)
        let finding = try #require(fixture.doctor().run().findings(of: "data_dir").first)
        #expect(finding.status == .failed)
        #expect(finding.fix == "chmod 700 \(fixture.data)")
    }

    @Test func secretsOpenToOtherUsersFailUntilTightened() throws {
        let fixture = try DoctorFixture()
        defer { fixture.remove() }
        let secret = fixture.data + "/master.sqlite"
        try TemporaryDirectory.write(Array("secret".utf8), to: secret)
        chmod(secret, 0o644)
        let loose = try #require(fixture.doctor().run().findings(of: "permissions").first)
        #expect(loose.status == .failed)
        #expect(loose.message.contains("\(secret) (0644)"))
        #expect(loose.fix?.contains("chmod -R go-rwx") == true)
        chmod(secret, 0o600)
        #expect(fixture.doctor().run().findings(of: "permissions").map(\.status) == [.ok])
    }

    @Test func durabilityFailuresSayWhatToDo() {
        let readOnly = DurabilityProbe.finding(for: DurabilityProbe.Failure(step: .create, code: EROFS), directory: "/d")
        #expect(readOnly.status == .failed && readOnly.message.contains("read-only file system"))
        #expect(readOnly.fix?.contains("remount") == true)
        let denied = DurabilityProbe.finding(for: DurabilityProbe.Failure(step: .create, code: EACCES), directory: "/d")
        #expect(denied.message.contains("may not create a file in /d") && denied.fix?.contains("chown") == true)
        let noSync = DurabilityProbe.finding(for: DurabilityProbe.Failure(step: .fileSync, code: EINVAL), directory: "/d")
        #expect(noSync.message.contains("does not support fsync a file"))
        let full = DurabilityProbe.finding(for: DurabilityProbe.Failure(step: .write, code: ENOSPC), directory: "/d")
        #expect(full.message.contains("is full"))
        #expect(DurabilityProbe.finding(for: nil, directory: "/d").status == .ok)
    }

    @Test func aDirectoryThatIsNotOneFailsTheProbe() throws {
        let fixture = try DoctorFixture()
        defer { fixture.remove() }
        // A file where the directory should be: creating a file "in" it fails with ENOTDIR.
        try TemporaryDirectory.write([], to: fixture.directory + "/plain")
        #expect(DurabilityProbe.run(in: fixture.directory + "/plain") == DurabilityProbe.Failure(step: .create, code: ENOTDIR))
    }

    @Test func littleFreeSpaceIsAWarning() throws {
        let fixture = try DoctorFixture()
        defer { fixture.remove() }
        var doctor = fixture.doctor()
        doctor.minimumFreeBytes = .max
        let report = doctor.run()
        #expect(report.passed)
        let finding = try #require(report.findings(of: "disk_space").first)
        #expect(finding.status == .warning && finding.message.hasPrefix("only "))
    }
}

/// Sizes in the findings' words.
@Suite struct DoctorSizeTests {
    @Test func sizesReadAsAPersonWouldWriteThem() {
        #expect(Doctor.describe(bytes: 512) == "512 bytes")
        #expect(Doctor.describe(bytes: 1536) == "1.5 KiB")
        #expect(Doctor.describe(bytes: 300 << 20) == "300 MiB")
        #expect(Doctor.describe(bytes: 1 << 30) == "1 GiB")
        #expect(Doctor.describe(bytes: .max) == "8388607 TiB")
    }
}
