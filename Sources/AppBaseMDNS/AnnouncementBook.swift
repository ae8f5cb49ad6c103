import AppBaseCore

/// One change to what is announced: the announcer turns it into avahi calls.
public enum MDNSChange: Sendable, Equatable {
    /// (Re-)publish this group with exactly this content.
    case publish(MDNSPublication)
    /// Withdraw the group with this key.
    case withdraw(key: String)
}

/// What should be announced, and how lifecycle events change it. Pure: no avahi, no I/O, so
/// the decisions are unit-tested; the `MDNSAnnouncer` applies the changes it returns and
/// re-publishes `publications` whole when avahi-daemon comes back.
public struct AnnouncementBook: Sendable {
    /// What a lifecycle state means for an app's announcements.
    public enum Action: Sendable, Equatable {
        /// Announce (or keep announcing) its names and service.
        case publish
        /// Withdraw its names and service.
        case withdraw
        /// Leave whatever is announced as it is.
        case keep
    }

    public let names: MDNSNames
    public let version: String
    /// Where every name points.
    public let addresses: [MDNSAddress]
    private var byKey: [String: MDNSPublication] = [:]

    public init(names: MDNSNames, version: String, addresses: [MDNSAddress]) {
        self.names = names
        self.version = version
        self.addresses = addresses
    }

    /// The lifecycle policy: `running` announces; `degraded` still serves, so its names stay;
    /// `provisioning` has nothing to announce yet (a restarting app was withdrawn when it
    /// failed); every state that stops serving withdraws, so a LAN client never resolves a
    /// name to a port nobody answers on.
    public static func action(for state: AppLifecycleEvent.State) -> Action {
        switch state {
        case .running: .publish
        case .degraded, .provisioning: .keep
        case .failed, .stopping, .stopped, .deleted: .withdraw
        }
    }

    /// Everything announced now, in key order (re-published whole after a daemon restart).
    public var publications: [MDNSPublication] { byKey.keys.sorted().compactMap { byKey[$0] } }

    /// The publication under `key`, if announced.
    public func publication(_ key: String) -> MDNSPublication? { byKey[key] }

    /// Announces the control plane: `<domain>` and its `_http._tcp` service on `port`.
    public mutating func announceControlPlane(port: Int) -> [MDNSChange] {
        var changes = set(MDNSPublication(key: "host.addresses", app: nil,
                                          content: .addresses(names: [names.domain], addresses: addresses)))
        changes += set(MDNSPublication(key: "host.service", app: nil,
                                       content: .service(name: MDNSNames.controlPlaneServiceName, type: MDNSNames.serviceType,
                                                         port: port, txt: MDNSNames.controlPlaneTXT(version: version))))
        return changes
    }

    /// The changes one lifecycle event calls for (none when nothing changes, e.g. a second
    /// `running` on the same port, or `degraded`).
    public mutating func apply(_ event: AppLifecycleEvent) -> [MDNSChange] {
        switch Self.action(for: event.state) {
        case .keep:
            return []
        case .withdraw:
            return [Self.serviceKey(event.app), Self.addressesKey(event.app)].compactMap { key in
                byKey.removeValue(forKey: key) == nil ? nil : .withdraw(key: key)
            }
        case .publish:
            var changes = set(MDNSPublication(key: Self.addressesKey(event.app), app: event.app,
                                              content: .addresses(names: names.hostNames(app: event.app), addresses: addresses)))
            if let port = event.port {
                // Keeps a name avahi renamed after a collision: the app is the same service.
                var name = event.app
                if case .service(let current, _, _, _)? = byKey[Self.serviceKey(event.app)]?.content { name = current }
                changes += set(MDNSPublication(key: Self.serviceKey(event.app), app: event.app,
                                               content: .service(name: name, type: MDNSNames.serviceType, port: port,
                                                                 txt: MDNSNames.appTXT(app: event.app, version: version))))
            } else if byKey.removeValue(forKey: Self.serviceKey(event.app)) != nil {
                changes.append(.withdraw(key: Self.serviceKey(event.app)))
            }
            return changes
        }
    }

    /// Renames the service under `key` (after a collision); returns the publication to
    /// re-publish, or nil when `key` is not an announced service.
    public mutating func renameService(_ key: String, to name: String) -> MDNSPublication? {
        guard var publication = byKey[key], case .service(_, let type, let port, let txt) = publication.content else { return nil }
        publication.content = .service(name: name, type: type, port: port, txt: txt)
        byKey[key] = publication
        return publication
    }

    /// Drops `name` from the address group under `key` (another owner holds it, e.g.
    /// avahi-daemon's own host name); returns what is left to publish, or nil when nothing is.
    public mutating func dropName(_ name: String, from key: String) -> MDNSPublication? {
        guard var publication = byKey[key], case .addresses(let names, let addresses) = publication.content else { return nil }
        let left = names.filter { $0 != name }
        guard !left.isEmpty else {
            byKey.removeValue(forKey: key)
            return nil
        }
        publication.content = .addresses(names: left, addresses: addresses)
        byKey[key] = publication
        return publication
    }

    static func serviceKey(_ app: String) -> String { "app.\(app).service" }
    static func addressesKey(_ app: String) -> String { "app.\(app).addresses" }

    private mutating func set(_ publication: MDNSPublication) -> [MDNSChange] {
        guard byKey[publication.key] != publication else { return [] }
        byKey[publication.key] = publication
        return [.publish(publication)]
    }
}
