@testable import AppBaseMDNS
import Testing

/// Which interface addresses the names point at, within avahi's one-A-one-AAAA-per-interface rule.
@Suite struct HostAddressesTests {
    @Test func picksUpMulticastInterfacesOnly() {
        let selection = HostAddresses.select(from: [
            InterfaceAddress(interface: "lo", index: 1, ip: "127.0.0.1", isMulticast: false),
            InterfaceAddress(interface: "eth0", index: 2, ip: "192.168.1.20"),
            InterfaceAddress(interface: "tun0", index: 3, ip: "10.8.0.2", isPointToPoint: true),
            InterfaceAddress(interface: "eth1", index: 4, ip: "10.0.0.5", isUp: false),
        ])
        #expect(selection.published == [MDNSAddress(ip: "192.168.1.20", interfaceIndex: 2)])
        #expect(selection.skipped.isEmpty)
    }

    @Test func aMulticastLoopbackCountsLikeTheSandboxes() {
        let selection = HostAddresses.select(from: [InterfaceAddress(interface: "lo", index: 1, ip: "127.0.0.1")])
        #expect(selection.published == [MDNSAddress(ip: "127.0.0.1", interfaceIndex: 1)])
    }

    @Test func keepsOneAddressPerFamilyAndInterfacePreferringGlobalIPv6() {
        let selection = HostAddresses.select(from: [
            InterfaceAddress(interface: "eth0", index: 2, ip: "192.168.1.20"),
            InterfaceAddress(interface: "eth0", index: 2, ip: "fe80::1"),
            InterfaceAddress(interface: "eth0", index: 2, ip: "2001:db8::20"),
            InterfaceAddress(interface: "eth0", index: 2, ip: "192.168.1.21"),
            InterfaceAddress(interface: "wlan0", index: 3, ip: "192.168.2.7"),
        ])
        #expect(selection.published == [
            MDNSAddress(ip: "192.168.1.20", interfaceIndex: 2), MDNSAddress(ip: "2001:db8::20", interfaceIndex: 2),
            MDNSAddress(ip: "192.168.2.7", interfaceIndex: 3),
        ])
        #expect(selection.skipped == ["192.168.1.21", "fe80::1"])
    }

    @Test func configuredAddressesUseTheirInterfaceOrAll() {
        let interfaces = [InterfaceAddress(interface: "eth0", index: 2, ip: "192.168.1.20")]
        let selection = HostAddresses.configured(["192.168.1.20", "2001:db8::1", "203.0.113.9"], interfaces: interfaces)
        #expect(selection.published == [
            MDNSAddress(ip: "192.168.1.20", interfaceIndex: 2), MDNSAddress(ip: "2001:db8::1", interfaceIndex: nil),
        ])
        // On every interface, 203.0.113.9 would overlap 192.168.1.20 on eth0.
        #expect(selection.skipped == ["203.0.113.9"])
    }

    @Test func readsThisHostsInterfaces() {
        // Every host running the tests has a loopback interface with 127.0.0.1.
        #expect(HostAddresses.interfaces().contains { $0.ip == "127.0.0.1" && $0.index > 0 })
    }
}
