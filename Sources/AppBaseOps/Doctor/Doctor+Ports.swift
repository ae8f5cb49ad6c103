import AppBasePlatform

extension Doctor {
    /// Every port the configuration fixes — the control plane's and each app's `port` — can be
    /// listened on. Ports the allocator assigns from `[ports] first…last` are not tried: it
    /// skips taken ones by itself.
    func checkPorts(_ configuration: ServerConfiguration?, serverRunning: Bool, into findings: inout [DoctorFinding]) {
        guard let configuration else { return findings.append(Self.needsConfiguration("ports")) }
        if serverRunning {
            return findings.append(DoctorFinding(check: "ports", status: .skipped, message: """
                a server is running on \(dataDirectory) (it holds \(dataDirectory)/.lock), so its ports are its own; \
                stop it to test them
                """))
        }
        var wanted: [(port: Int, key: String)] = []
        if configuration.port != 0 { wanted.append((configuration.port, "[server] port")) }
        for app in configuration.apps { if let port = app.port { wanted.append((port, "[apps.\(app.name)] port")) } }
        if wanted.isEmpty {
            return findings.append(DoctorFinding(check: "ports", status: .ok, message: "no fixed ports (every port is picked free at start)"))
        }
        for (port, key) in wanted {
            findings.append(Self.finding(for: portProbe(configuration.host, port), host: configuration.host, port: port, key: key))
        }
    }

    /// One port's finding.
    static func finding(for result: PortProbe.Result, host: String, port: Int, key: String) -> DoctorFinding {
        switch result {
        case .free:
            return DoctorFinding(check: "ports", status: .ok, message: "\(host):\(port) (\(key)) is free")
        case .inUse:
            return DoctorFinding(check: "ports", status: .failed, message: "port \(port) (\(key)) is in use by another process",
                                 fix: "find it with `ss -ltnp 'sport = :\(port)'` and stop it, or choose another \(key)")
        case .privileged(let listening):
            let capability = """
                binding port \(port) (\(key)) needs CAP_NET_BIND_SERVICE, which this process has not got \
                (the systemd unit grants it to the server)
                """
            switch listening {
            case false?:
                return DoctorFinding(check: "ports", status: .ok, message: "\(host):\(port) is free (no listener); \(capability)")
            case true?:
                return DoctorFinding(check: "ports", status: .failed, message: "port \(port) (\(key)) is in use by another process",
                                     fix: "find it with `ss -ltnp 'sport = :\(port)'` and stop it, or choose another \(key)")
            case nil:
                return DoctorFinding(check: "ports", status: .warning, message: "could not test port \(port): \(capability)",
                                     fix: "run doctor as root to test it")
            }
        case .addressUnavailable:
            return DoctorFinding(check: "ports", status: .failed, message: "\(host) ([server] host) is not an address of this machine",
                                 fix: "set [server] host to one of this machine's addresses, or 0.0.0.0 for all of them")
        case .failed(let reason):
            return DoctorFinding(check: "ports", status: .failed, message: "cannot listen on \(host):\(port) (\(key)): \(reason)")
        }
    }
}
