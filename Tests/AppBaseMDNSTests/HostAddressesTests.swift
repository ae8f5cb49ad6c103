@testable import AppBaseMDNS
import Testing

/// Which interface addresses the names point at, and on which interface each is announced.
@Suite struct HostAddressesTests {
    @Test func picksUpMulticastInterfacesOnly() {
        let addresses = HostAddresses.select(from: [
            InterfaceAddress(interface: "lo", index: 1, ip: "127.0.0.1", isMulticast: false),
            InterfaceAddress(interface: "eth0", index: 2, ip: "192.168.1.20"),
            InterfaceAddress(interface: "eth0", index: 2, ip: "fe80::1"),
            InterfaceAddress(interface: "tun0", index: 3, ip: "10.8.0.2", isPointToPoint: true),
            InterfaceAddress(interface: "eth1", index: 4, ip: "10.0.0.5", isUp: false),
            InterfaceAddress(interface: "wlan0", index: 5, ip: "192.168.2.7"),
        ])
        #expect(addresses == [
            MDNSAddress(ip: "192.168.1.20", interfaceIndex: 2), MDNSAddress(ip: "fe80::1", interfaceIndex: 2),
            MDNSAddress(ip: "192.168.2.7", interfaceIndex: 5),
        ])
    }

    @Test func aMulticastLoopbackCountsLikeTheSandboxes() {
        let addresses = HostAddresses.select(from: [InterfaceAddress(interface: "lo", index: 1, ip: "127.0.0.1")])
        #expect(addresses == [MDNSAddress(ip: "127.0.0.1", interfaceIndex: 1)])
    }

    @Test func configuredAddressesUseTheirInterfaceOrAll() {
        let interfaces = [InterfaceAddress(interface: "eth0", index: 2, ip: "192.168.1.20")]
        #expect(HostAddresses.configured(["192.168.1.20", "2001:db8::1", "203.0.113.9"], interfaces: interfaces) == [
            MDNSAddress(ip: "192.168.1.20", interfaceIndex: 2), MDNSAddress(ip: "2001:db8::1", interfaceIndex: nil),
            MDNSAddress(ip: "203.0.113.9", interfaceIndex: nil),
        ])
    }

    @Test func readsThisHostsInterfaces() {
        // Every host running the tests has a loopback interface with 127.0.0.1.
        #expect(HostAddresses.interfaces().contains { $0.ip == "127.0.0.1" && $0.index > 0 })
    }
}
