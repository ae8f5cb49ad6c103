/// What avahi reports on its poll thread, forwarded to the `MDNSAnnouncer` as a message.
/// `generation` names the client connection it came from, so reports from a connection the
/// announcer has already replaced are ignored.
enum AvahiSignal: Sendable {
    /// The client's state changed; `error` is `avahi_client_errno` for `.failure`.
    case client(generation: Int, state: ClientState, error: Int32)
    /// An entry group's state changed.
    case group(generation: Int, key: String, state: GroupState)

    enum ClientState: Sendable, Equatable {
        /// The daemon's host name is established: publish.
        case running
        /// The daemon is registering or lost its host name: our groups must be reset.
        case registering
        case collision
        /// Disconnected (daemon stopped) or broken: this client is dead.
        case failure
        /// No daemon yet; the client waits for it (`AVAHI_CLIENT_NO_FAIL`).
        case connecting
    }

    enum GroupState: Sendable, Equatable {
        case uncommitted, registering, established, collision, failure
    }
}

/// The outcome of publishing one group.
enum AvahiPublishResult: Sendable, Equatable {
    case committed
    /// A name is taken by another local entry, such as the daemon's own host name or another
    /// program's record (`AVAHI_ERR_COLLISION` when adding); `name` is the one that failed.
    /// Collisions with other hosts arrive later, as the group's `.collision` state.
    case collision(name: String)
    /// Anything else, with avahi's message.
    case failed(String)
}
