import AppBaseCore
import AppBaseMDNS
import OrderedCollections

/// The JSON the control plane answers with: AppInfo, the port map, and the event payloads.
extension ControlPlane {
    /// AppInfo (docs/API-SPEC.md): the registry's status plus URLs, request counts and the
    /// newest backup (see `appInfoWithBackup`).
    func appInfo(_ status: AppStatus, lastBackup: BackupCatalog.Record?) -> JSONValue {
        let name = status.name
        let masterPort = masterPort.value
        let hostNames = MDNSNames(domain: domain).hostNames(app: name)
        let counts = counters.counts(for: name)
        let health: JSONValue = [
            "healthy": .bool(status.health?.healthy ?? (status.state == .running)),
            "checkedAt": Self.time(status.healthCheckedAt),
            "message": status.health?.message.map(JSONValue.string) ?? .null,
        ]
        var info: OrderedDictionary<String, JSONValue> = [
            "name": .string(name),
            "state": .string(status.state.rawValue),
            "port": status.port.map { .int(Int64($0)) } ?? .null,
            "hostNames": .array(hostNames.map(JSONValue.string)),
            "urls": [
                "api": .string("\(scheme)://\(hostNames[0]):\(masterPort)"),
                "dashboard": .string("\(scheme)://\(hostNames[1]):\(masterPort)"),
                "site": .string("\(scheme)://\(hostNames[2]):\(masterPort)"),
                "direct": status.port.map { .string("\(scheme)://\(Self.urlHost(host)):\($0)") } ?? .null,
            ],
            "source": .string(status.source.rawValue),
            "health": health,
            "restarts": .int(Int64(status.restarts)),
            "lastError": status.lastError.map(JSONValue.string) ?? .null,
            "startedAt": Self.time(status.startedAt),
            "requests": ["total": .int(counts.total), "errors": .int(counts.errors)],
            "lastBackup": lastBackup.map(\.json) ?? .null,
        ]
        // Only while the app has no dashboard admin: the one-time link to create the first one.
        if let setup = status.dashboardSetup, let port = status.port {
            info["dashboardSetup"] = .string("\(scheme)://\(Self.urlHost(host)):\(port)\(setup)")
        }
        return .object(info)
    }

    /// `{"range":[first,last],"items":[…]}`.
    func portMap() async -> JSONValue {
        let (range, entries) = await registry.portMap()
        let items: [JSONValue] = entries.map { entry in
            [
                "port": .int(Int64(entry.port)), "app": .string(entry.app), "state": .string(entry.state.rawValue),
                "releasedAt": Self.time(entry.releasedAt), "reusableAt": Self.time(entry.reusableAt),
            ]
        }
        return ["range": [.int(Int64(range.lowerBound)), .int(Int64(range.upperBound))], "items": .array(items)]
    }

    /// `{"items":[AppInfo…]}` sorted by name.
    func appList() async -> JSONValue {
        let latest = (try? await BackupCatalog.latest(in: master)) ?? [:]
        return .object(["items": .array(await registry.statuses().map { appInfo($0, lastBackup: latest[$0.name]) })])
    }

    /// An `event: lifecycle` payload.
    static func lifecycleJSON(_ event: AppLifecycleEvent, at millis: Int64) -> JSONValue {
        [
            "app": .string(event.app), "state": .string(event.state.rawValue),
            "port": event.port.map { .int(Int64($0)) } ?? .null,
            "message": event.message.map(JSONValue.string) ?? .null, "time": .string(Timestamp.rfc3339(milliseconds: millis)),
        ]
    }

    /// An `event: health` payload.
    static func healthJSON(_ report: HealthReport, at millis: Int64) -> JSONValue {
        [
            "app": .string(report.app), "healthy": .bool(report.healthy),
            "routerMicros": report.routerMicros.map(JSONValue.int) ?? .null,
            "databaseMicros": report.databaseMicros.map(JSONValue.int) ?? .null,
            "message": report.message.map(JSONValue.string) ?? .null, "time": .string(Timestamp.rfc3339(milliseconds: millis)),
        ]
    }

    static func time(_ millis: Int64?) -> JSONValue { millis.map { .string(Timestamp.rfc3339(milliseconds: $0)) } ?? .null }

    /// An IPv6 literal in a URL goes in brackets.
    static func urlHost(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}
