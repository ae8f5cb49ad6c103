import CAvahi

/// What `MDNSDaemonProbe.probe()` found out about avahi-daemon.
public enum MDNSDaemonStatus: Sendable, Equatable {
    /// The daemon answered over the system D-Bus and is serving: names can be published.
    case running(hostName: String, version: String)
    /// The daemon answered but is not serving yet (registering its own name, or a collision).
    case notReady(state: String)
    /// No daemon could be asked: no system D-Bus, no daemon on it, or a refused connection.
    case unreachable(reason: String)
}

/// One synchronous question to avahi-daemon, for `appbase doctor`: can a client reach it over
/// the system D-Bus, and is it serving? The announcer's own client (`AvahiBridge`) waits for
/// the daemon forever (`AVAHI_CLIENT_NO_FAIL`); this one gives up at once instead.
///
/// A client created without `AVAHI_CLIENT_NO_FAIL` asks the daemon for its version and state
/// with blocking D-Bus calls inside `avahi_client_new`, so the answer is there when it returns:
/// the simple poll the client needs is created but never run.
public enum MDNSDaemonProbe {
    /// Connects, reads the state, the host name and the version, and disconnects.
    /// Blocking (D-Bus round trips, at most D-Bus's call timeout when the daemon hangs).
    public static func probe() -> MDNSDaemonStatus {
        guard let poll = avahi_simple_poll_new() else { return .unreachable(reason: "avahi_simple_poll_new failed") }
        defer { avahi_simple_poll_free(poll) }
        var error: Int32 = 0
        // The callback only fires inside avahi_client_new and avahi_client_free; it has nothing to do.
        guard let client = avahi_client_new(avahi_simple_poll_get(poll), AvahiClientFlags(0), { _, _, _ in }, nil, &error) else {
            return .unreachable(reason: AvahiBridge.describe(error))
        }
        defer { avahi_client_free(client) }
        let state = avahi_client_get_state(client)
        guard state == AVAHI_CLIENT_S_RUNNING else { return .notReady(state: describe(state)) }
        let hostName = avahi_client_get_host_name_fqdn(client).map { String(cString: $0) } ?? "?"
        let version = avahi_client_get_version_string(client).map { String(cString: $0) } ?? "?"
        return .running(hostName: hostName, version: version)
    }

    private static func describe(_ state: AvahiClientState) -> String {
        switch state {
        case AVAHI_CLIENT_S_REGISTERING: "registering its host name"
        case AVAHI_CLIENT_S_COLLISION: "its host name collides with another host on the network"
        case AVAHI_CLIENT_CONNECTING: "connecting"
        default: "failed"
        }
    }
}
