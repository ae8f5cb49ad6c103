@testable import AppBaseHTTP
import Testing

/// The pure bookkeeping behind the connection caps, download slots, minimum rates and refusal
/// summaries.
@Suite("Admission bookkeeping")
struct AdmissionBookkeepingTests {
    private static func limits(_ configure: (inout HTTPLimits) -> Void) -> HTTPLimits {
        var limits = HTTPLimits()
        configure(&limits)
        return limits
    }

    @Test("caps per address on a port, per address in total, and the server's total net of other ports' reserves")
    func caps() {
        var admission = ConnectionAdmission(limits: Self.limits {
            $0.maxConnections = 10
            $0.maxConnectionsPerAddress = 4
            $0.maxConnectionsPerAddressPerPort = 3
            $0.reservedConnectionsPerPort = 2
        })
        admission.portOpened(1)
        admission.portOpened(2)
        let a1 = ConnectionAdmission.Key(address: "10.0.0.1", port: 1)
        for _ in 0..<3 { #expect(admission.verdict(for: a1) == .admit); admission.add(a1) }
        #expect(admission.verdict(for: a1) == .full(.addressOnPort(a1)))
        let a2 = ConnectionAdmission.Key(address: "10.0.0.1", port: 2)
        #expect(admission.verdict(for: a2) == .admit)
        admission.add(a2)
        #expect(admission.verdict(for: a2) == .full(.address("10.0.0.1")))
        // Port 1 may grow to 10 − port 2's unused reserve (1) = 9 connections in all.
        for index in 0..<5 {
            let key = ConnectionAdmission.Key(address: "10.1.0.\(index)", port: 1)
            #expect(admission.verdict(for: key) == .admit)
            admission.add(key)
        }
        #expect(admission.total == 9)
        let late = ConnectionAdmission.Key(address: "10.2.0.1", port: 1)
        #expect(admission.verdict(for: late) == .full(.server(port: 1)))
        // Port 2 still gets its reserved slot.
        let reserved = ConnectionAdmission.Key(address: "10.2.0.2", port: 2)
        #expect(admission.verdict(for: reserved) == .admit)
        admission.add(reserved)
        // Reaping on port 1 (above its reserve) makes room for port 1; port 2 is at its reserve.
        #expect(admission.reapingOn(1, makesRoomFor: 2))
        #expect(!admission.reapingOn(2, makesRoomFor: 1))
        admission.remove(a1)
        #expect(admission.count(fromAddress: "10.0.0.1") == 3)
        #expect(admission.verdict(for: a1) == .admit)
    }

    @Test("uncapped addresses skip the per-address caps but not the server's total")
    func uncapped() {
        var admission = ConnectionAdmission(limits: Self.limits {
            $0.maxConnections = 4
            $0.maxConnectionsPerAddress = 1
            $0.maxConnectionsPerAddressPerPort = 1
            $0.reservedConnectionsPerPort = 0
            $0.uncappedAddresses = ["127.0.0.1"]
        })
        admission.portOpened(1)
        let proxy = ConnectionAdmission.Key(address: "127.0.0.1", port: 1)
        for _ in 0..<4 { #expect(admission.verdict(for: proxy) == .admit); admission.add(proxy) }
        #expect(admission.verdict(for: proxy) == .full(.server(port: 1)))
    }

    @Test("a closed port releases its unused reserve")
    func closedPort() {
        var admission = ConnectionAdmission(limits: Self.limits {
            $0.maxConnections = 4
            $0.reservedConnectionsPerPort = 2
        })
        admission.portOpened(1)
        admission.portOpened(2)
        let key = ConnectionAdmission.Key(address: "10.0.0.1", port: 1)
        for _ in 0..<2 { admission.add(key) }
        #expect(admission.verdict(for: key) == .full(.server(port: 1)))
        admission.portClosed(2)
        #expect(admission.verdict(for: key) == .admit)
    }

    @Test("download slots per app and in total, released when the slot goes")
    func downloadSlots() {
        let slots = DownloadSlots(limits: Self.limits {
            $0.maxConcurrentFileResponses = 3
            $0.maxConcurrentFileResponsesPerApp = 2
        })
        var held = [slots.reserve(app: "a"), slots.reserve(app: "a")]
        #expect(held.allSatisfy { $0 != nil })
        #expect(slots.reserve(app: "a") == nil)
        let other = slots.reserve(app: "b")
        #expect(other != nil)
        #expect(slots.reserve(app: "c") == nil, "the total is reached")
        held.removeLast()
        #expect(slots.count(for: "a") == 1)
        #expect(slots.reserve(app: "c") != nil)
        _ = other
    }

    @Test("the minimum rate: a window short of the rate fails, a full one starts the next window")
    func transferPace() {
        let pace = TransferPace(limits: Self.limits {
            $0.minimumTransferRate = 1000
            $0.minimumRateWindowMillis = 1000
        })
        var window = TransferPace.Window(start: 0, bytes: 500)
        #expect(pace.allows(&window, now: 900), "the window is not over yet")
        window.bytes = 999
        #expect(!pace.allows(&window, now: 1000))
        window = TransferPace.Window(start: 0, bytes: 1500)
        #expect(pace.allows(&window, now: 1000))
        #expect(window.start == 1000 && window.bytes == 0)
    }

    @Test("refusals are summarised once per interval with the top addresses")
    func refusalSummary() {
        var log = RefusalLog(intervalMillis: 10_000)
        for _ in 0..<5 { log.record(address: "10.0.0.9", cap: "per-address", now: 1_000) }
        log.record(address: "10.0.0.7", cap: "server", now: 2_000)
        #expect(log.summary(now: 5_000) == nil)
        let line = log.summary(now: 11_000)
        #expect(line == "refused 6 connections in the last 10 s at connection caps (per-address 5, server 1); top addresses: 10.0.0.9 (5), 10.0.0.7 (1)")
        #expect(log.summary(now: 30_000) == nil, "nothing refused since")
    }
}
