import AppBaseMDNS
import AppBasePlatform

extension Doctor {
    /// avahi-daemon answers on the system D-Bus, unless `[mdns] enabled = false` says not to ask.
    func checkMDNS(_ configuration: ServerConfiguration?, into findings: inout [DoctorFinding]) {
        guard let configuration else { return findings.append(Self.needsConfiguration("mdns")) }
        guard configuration.mdns.enabled else {
            return findings.append(DoctorFinding(check: "mdns", status: .skipped, message: """
                mDNS is off ([mdns] enabled = false): \(configuration.mdns.domain) and the apps' names are not announced; \
                clients reach the server by its address
                """))
        }
        findings.append(Self.finding(for: mdnsProbe(), domain: configuration.mdns.domain, configPath: configPath))
    }

    /// The finding for what the probe saw.
    static func finding(for status: MDNSDaemonStatus, domain: String, configPath: String) -> DoctorFinding {
        switch status {
        case .running(let hostName, let version):
            return DoctorFinding(check: "mdns", status: .ok,
                                 message: "\(version) is running (host \(hostName)); \(domain) and the apps' names will be announced")
        case .notReady(let state):
            return DoctorFinding(check: "mdns", status: .warning, message: "avahi-daemon answers but is not serving yet: \(state)",
                                 fix: "run doctor again in a moment; on a name collision give this host another name")
        case .unreachable(let reason):
            return DoctorFinding(check: "mdns", status: .failed, message: """
                cannot reach avahi-daemon over the system D-Bus (\(reason)), so \(domain) would not resolve on the LAN
                """, fix: """
                install and start it (apt-get install avahi-daemon, or the offline bundle's install.sh; then \
                systemctl enable --now avahi-daemon), or set [mdns] enabled = false in \(configPath)
                """)
        }
    }
}
