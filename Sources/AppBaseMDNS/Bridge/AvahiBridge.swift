import CAvahi

/// The thin C bridge to avahi-client: one `AvahiThreadedPoll`, one `AvahiClient` and its entry
/// groups, one per publication key. Every call takes the poll's lock; avahi's callbacks (on the
/// poll thread) only turn their arguments into an `AvahiSignal` for the announcer.
///
/// Ownership: the bridge owns the poll, the client and the groups; `close()` stops the poll
/// thread first (so no callback runs after it), then frees the client (which frees its groups)
/// and the poll. The announcer calls `close()` before it drops the bridge.
///
/// `@unchecked Sendable` is safe here because every mutable field (`client`, `groups`,
/// `started`) and every avahi call is touched only with `avahi_threaded_poll_lock` held: by the
/// methods below, which take it, and by avahi's callbacks, which run on the poll thread with the
/// lock already held and read only immutable fields (`generation`, `signals`, a group's `key`).
final class AvahiBridge: @unchecked Sendable {
    /// The context an entry group's callback gets: which publication it is.
    private final class GroupContext {
        let key: String
        let generation: Int
        let signals: AsyncStream<AvahiSignal>.Continuation
        var group: OpaquePointer?
        init(key: String, generation: Int, signals: AsyncStream<AvahiSignal>.Continuation) {
            self.key = key
            self.generation = generation
            self.signals = signals
        }
    }

    let generation: Int
    private let signals: AsyncStream<AvahiSignal>.Continuation
    private let poll: OpaquePointer
    private var client: OpaquePointer?
    private var groups: [String: GroupContext] = [:]
    private var started = false

    /// Creates the poll and a client that waits for the daemon (`AVAHI_CLIENT_NO_FAIL`), then
    /// starts the poll thread. Fails when even that is impossible (no system D-Bus).
    init(generation: Int, signals: AsyncStream<AvahiSignal>.Continuation) throws(AvahiBridgeError) {
        self.generation = generation
        self.signals = signals
        guard let poll = avahi_threaded_poll_new() else { throw AvahiBridgeError(message: "avahi_threaded_poll_new failed") }
        self.poll = poll
        var error: Int32 = 0
        // The callback fires once inside avahi_client_new, before `client` is set: it only
        // forwards a signal, so that is harmless.
        let created = avahi_client_new(avahi_threaded_poll_get(poll), AVAHI_CLIENT_NO_FAIL, { client, state, userdata in
            AvahiBridge.clientChanged(client, state, userdata)
        }, Unmanaged.passUnretained(self).toOpaque(), &error)
        guard let created else {
            avahi_threaded_poll_free(poll)
            throw AvahiBridgeError(message: Self.describe(error))
        }
        client = created
        guard avahi_threaded_poll_start(poll) >= 0 else {
            avahi_client_free(created)
            avahi_threaded_poll_free(poll)
            throw AvahiBridgeError(message: "avahi_threaded_poll_start failed")
        }
        started = true
    }

    /// Stops the poll thread and frees everything. Idempotent; never call it from a callback.
    func close() {
        guard started else { return }
        started = false
        avahi_threaded_poll_stop(poll)
        // The thread is gone: nothing else touches the client now.
        if let client { avahi_client_free(client) }
        client = nil
        groups.removeAll()
        avahi_threaded_poll_free(poll)
    }

    deinit { close() }

    /// The daemon's own host name (e.g. `appbase.local`), once connected.
    func hostNameFQDN() -> String? {
        locked {
            guard let client, let name = avahi_client_get_host_name_fqdn(client) else { return nil }
            return String(cString: name)
        }
    }

    /// (Re-)publishes one group: resets it (or creates it), adds the entries, commits.
    func publish(_ publication: MDNSPublication) -> AvahiPublishResult {
        locked {
            guard let client else { return .failed("not connected") }
            let context = groups[publication.key]
                ?? GroupContext(key: publication.key, generation: generation, signals: signals)
            groups[publication.key] = context
            if context.group == nil {
                context.group = avahi_entry_group_new(client, { group, state, userdata in
                    AvahiBridge.groupChanged(group, state, userdata)
                }, Unmanaged.passUnretained(context).toOpaque())
            }
            guard let group = context.group else { return .failed(Self.describe(avahi_client_errno(client))) }
            avahi_entry_group_reset(group)
            let result = Self.add(publication.content, to: group)
            guard result == .committed else {
                avahi_entry_group_reset(group)
                return result
            }
            let status = avahi_entry_group_commit(group)
            return status < 0 ? Self.failure(status, name: publication.key) : .committed
        }
    }

    /// Withdraws one group (frees it; a later publish makes a new one).
    func withdraw(key: String) {
        locked {
            guard let context = groups.removeValue(forKey: key), let group = context.group else { return }
            avahi_entry_group_free(group)
        }
    }

    /// Empties every group (kept for re-use: avahi asks not to free and re-create groups).
    func resetAll() {
        locked {
            for context in groups.values { if let group = context.group { avahi_entry_group_reset(group) } }
        }
    }

    /// avahi's alternative for a service name that collided ("notes" → "notes #2").
    static func alternativeServiceName(_ name: String) -> String {
        guard let alternative = avahi_alternative_service_name(name) else { return name + " #2" }
        defer { avahi_free(alternative) }
        return String(cString: alternative)
    }

    private static func add(_ content: MDNSPublication.Content, to group: OpaquePointer) -> AvahiPublishResult {
        switch content {
        case .service(let name, let type, let port, let txt):
            var list: UnsafeMutablePointer<AvahiStringList>? = nil
            for text in txt.reversed() { list = avahi_string_list_add(list, text) }
            defer { avahi_string_list_free(list) }
            let status = avahi_entry_group_add_service_strlst(group, AvahiIfIndex(AVAHI_IF_UNSPEC), AvahiProtocol(AVAHI_PROTO_UNSPEC),
                                                              AvahiPublishFlags(0), name, type, nil, nil, UInt16(clamping: port), list)
            return status < 0 ? failure(status, name: name) : .committed
        case .addresses(let names, let addresses):
            for name in names {
                for address in addresses {
                    var parsed = AvahiAddress()
                    guard avahi_address_parse(address.ip, AvahiProtocol(AVAHI_PROTO_UNSPEC), &parsed) != nil else {
                        return .failed("\(address.ip) is not an IP address")
                    }
                    // No reverse (PTR) record: the address belongs to the host, whose own name
                    // owns the reverse mapping; a second PTR for it would collide.
                    let status = avahi_entry_group_add_address(group, address.interfaceIndex ?? AvahiIfIndex(AVAHI_IF_UNSPEC),
                                                               AvahiProtocol(AVAHI_PROTO_UNSPEC), AVAHI_PUBLISH_NO_REVERSE, name, &parsed)
                    if status < 0 { return failure(status, name: name) }
                }
            }
            return .committed
        }
    }

    private static func failure(_ status: Int32, name: String) -> AvahiPublishResult {
        status == Int32(AVAHI_ERR_COLLISION)
            ? .collision(name: name) : .failed(describe(status))
    }

    static func describe(_ error: Int32) -> String {
        avahi_strerror(error).map { String(cString: $0) } ?? "avahi error \(error)"
    }

    private func locked<T>(_ body: () -> T) -> T {
        avahi_threaded_poll_lock(poll)
        defer { avahi_threaded_poll_unlock(poll) }
        return body()
    }

    // The callbacks run on the poll thread with its lock held: they only map and forward.
    private static func clientChanged(_ client: OpaquePointer?, _ state: AvahiClientState, _ userdata: UnsafeMutableRawPointer?) {
        guard let userdata else { return }
        let bridge = Unmanaged<AvahiBridge>.fromOpaque(userdata).takeUnretainedValue()
        let mapped = AvahiSignal.ClientState(state)
        let error = mapped == .failure ? (client.map { avahi_client_errno($0) } ?? 0) : 0
        bridge.signals.yield(.client(generation: bridge.generation, state: mapped, error: error))
    }

    private static func groupChanged(_ group: OpaquePointer?, _ state: AvahiEntryGroupState, _ userdata: UnsafeMutableRawPointer?) {
        guard let userdata else { return }
        let context = Unmanaged<GroupContext>.fromOpaque(userdata).takeUnretainedValue()
        context.signals.yield(.group(generation: context.generation, key: context.key, state: AvahiSignal.GroupState(state)))
    }
}

/// The avahi client could not even be created (no system D-Bus, out of memory).
struct AvahiBridgeError: Error, Sendable {
    let message: String
}
