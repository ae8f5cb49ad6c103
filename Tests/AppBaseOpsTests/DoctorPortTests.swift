@testable import AppBaseOps
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The ports check: each fixed port is bound for real; a taken one fails, a running server's
/// are left alone.
@Suite struct DoctorPortTests {
    @Test func aPortAnotherProcessHoldsFails() throws {
        let listener = try Listener()
        let fixture = try DoctorFixture(server: "[server]\nhost = \"127.0.0.1\"\nport = \(listener.port)\n")
        defer { fixture.remove() }
        let report = fixture.doctor().run()
        #expect(!report.passed)
        let finding = try #require(report.findings(of: "ports").first)
        #expect(finding.status == .failed)
        #expect(finding.message == "port \(listener.port) ([server] port) is in use by another process")
        #expect(finding.fix?.contains("ss -ltnp") == true)
    }

    @Test func everyFixedAppPortIsTried() throws {
        let listener = try Listener()
        let fixture = try DoctorFixture(extra: "[apps.notes]\nport = \(listener.port)\n")
        defer { fixture.remove() }
        let findings = fixture.doctor().run().findings(of: "ports")
        #expect(findings.map(\.status) == [.ok, .failed])
        #expect(findings.last?.message.contains("[apps.notes] port") == true)
    }

    @Test func aRunningServersPortsAreSkipped() throws {
        let listener = try Listener()
        let fixture = try DoctorFixture(server: "[server]\nhost = \"127.0.0.1\"\nport = \(listener.port)\n")
        defer { fixture.remove() }
        // What DataDirectoryLock does while a server runs.
        let lock = open(fixture.data + "/.lock", O_RDWR | O_CREAT, 0o600)
        defer { close(lock) }
        #expect(flock(lock, LOCK_EX | LOCK_NB) == 0)
        let finding = try #require(fixture.doctor().run().findings(of: "ports").first)
        #expect(finding.status == .skipped && finding.message.contains("a server is running"))
    }

    @Test func bindingReportsFreeTakenAndForeignAddresses() throws {
        let listener = try Listener()
        #expect(PortProbe.tryBind(host: "127.0.0.1", port: listener.port) == .inUse)
        let free = try DoctorFixture.freePort()
        #expect(PortProbe.tryBind(host: "127.0.0.1", port: free) == .free)
        // TEST-NET-3: an address no test machine has.
        #expect(PortProbe.tryBind(host: "203.0.113.7", port: free) == .addressUnavailable)
    }

    @Test func privilegedPortsFallBackOnTheSocketTable() {
        let free = Doctor.finding(for: .privileged(listening: false), host: "0.0.0.0", port: 80, key: "[server] port")
        #expect(free.status == .ok && free.message.contains("CAP_NET_BIND_SERVICE"))
        #expect(Doctor.finding(for: .privileged(listening: true), host: "0.0.0.0", port: 80, key: "[server] port").status == .failed)
        #expect(Doctor.finding(for: .privileged(listening: nil), host: "0.0.0.0", port: 80, key: "[server] port").status == .warning)
    }

    @Test func readsListenersFromTheKernelsTable() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
               1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1
            """
        #expect(PortProbe.listeningPorts(inTable: table) == [80])
    }
}
