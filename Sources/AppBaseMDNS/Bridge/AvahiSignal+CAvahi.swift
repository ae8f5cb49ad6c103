import CAvahi

/// avahi's C states as the announcer's Swift ones.
extension AvahiSignal.ClientState {
    init(_ state: AvahiClientState) {
        switch state {
        case AVAHI_CLIENT_S_RUNNING: self = .running
        case AVAHI_CLIENT_S_REGISTERING: self = .registering
        case AVAHI_CLIENT_S_COLLISION: self = .collision
        case AVAHI_CLIENT_CONNECTING: self = .connecting
        default: self = .failure
        }
    }
}

extension AvahiSignal.GroupState {
    init(_ state: AvahiEntryGroupState) {
        switch state {
        case AVAHI_ENTRY_GROUP_UNCOMMITED: self = .uncommitted
        case AVAHI_ENTRY_GROUP_REGISTERING: self = .registering
        case AVAHI_ENTRY_GROUP_ESTABLISHED: self = .established
        case AVAHI_ENTRY_GROUP_COLLISION: self = .collision
        default: self = .failure
        }
    }
}
