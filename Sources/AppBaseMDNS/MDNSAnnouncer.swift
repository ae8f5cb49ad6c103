import AppBaseCore
import Logging

/// Announces AppBase on the LAN through avahi-daemon: `<domain>` and the control plane's
/// `_http._tcp` service, and per running app an `_http._tcp` service named after it plus
/// address records for `api.<app>.<domain>`, `dashboard.<app>.<domain>` and `<app>.<domain>`.
///
/// It learns about apps only from `.appLifecycle` events on the bus (lossless subscription), so
/// the supervisors never wait for mDNS and never know it exists. Collisions rename the service
/// (avahi's alternative name); a daemon restart re-publishes everything; with no daemon at all
/// it warns once and retries quietly while the server keeps serving.
public actor MDNSAnnouncer {
    private enum State {
        case initial
        /// `bridge` is nil while waiting to retry after the client could not be created.
        case running(bridge: AvahiBridge?)
        case stopped
    }

    /// The longest pause between attempts to reach D-Bus/avahi when the client cannot be created.
    static let maxRetrySeconds = 30

    private let bus: EventBus
    private let logger: Logger
    private var book: AnnouncementBook
    private var state = State.initial
    private var generation = 0
    private var warnedUnavailable = false
    /// The client is in `S_RUNNING`: entry groups can be made. Before that, changes only go
    /// into the book and are published whole when it gets there.
    private var daemonReady = false
    private var retrySeconds = 1
    private var subscription: BusSubscription?
    private var tasks: [Task<Void, Never>] = []
    private let signals: AsyncStream<AvahiSignal>
    private let signalSink: AsyncStream<AvahiSignal>.Continuation

    /// `addresses` are where every name points (see `HostAddresses`); `version` goes in TXT.
    public init(settings: MDNSSettings, addresses: [MDNSAddress], version: String = AppBaseVersion.current,
                bus: EventBus, logger: Logger) {
        self.bus = bus
        self.logger = logger
        book = AnnouncementBook(names: MDNSNames(domain: settings.domain), version: version, addresses: addresses)
        let stream = AsyncStream.makeStream(of: AvahiSignal.self)
        signals = stream.stream
        signalSink = stream.continuation
    }

    /// The addresses `settings` asks for: `[mdns] addresses`, or the host's multicast interfaces.
    public static func addresses(for settings: MDNSSettings, logger: Logger) -> [MDNSAddress] {
        let interfaces = HostAddresses.interfaces()
        let addresses = settings.addresses.map { HostAddresses.configured($0, interfaces: interfaces) }
            ?? HostAddresses.select(from: interfaces)
        if addresses.isEmpty {
            logger.warning("mdns: no multicast interface with an address is up; names will have no address records")
        }
        return addresses
    }

    /// Subscribes to lifecycle events and connects to avahi. Call it before any app starts, so
    /// no `running` event is missed.
    public func start() {
        guard case .initial = state else { return }
        let subscription = bus.subscribe(name: "mdns", capacity: 256, policy: .backpressure) { event in
            if case .appLifecycle = event { return true }
            return false
        }
        self.subscription = subscription
        state = .running(bridge: nil)
        tasks.append(Task { [weak self] in
            for await delivery in subscription {
                guard case .event(.appLifecycle(let event)) = delivery else { continue }
                await self?.handle(event)
            }
        })
        let signals = self.signals
        tasks.append(Task { [weak self] in
            for await signal in signals { await self?.handle(signal) }
        })
        connect()
    }

    deinit {
        // Only if `stop()` was never called: a lossless subscription nobody reads would
        // eventually hold up every publisher.
        subscription?.cancel()
        signalSink.finish()
        tasks.forEach { $0.cancel() }
        if case .running(let bridge?) = state { bridge.close() }
    }

    /// Announces the control plane once its port is bound.
    public func announceControlPlane(port: Int) {
        apply(book.announceControlPlane(port: port))
    }

    /// Withdraws everything (freeing the client withdraws its groups) and stops listening.
    public func stop() {
        guard case .running(let bridge) = state else { return }
        state = .stopped
        bridge?.close()
        subscription?.cancel()
        signalSink.finish()
        tasks.forEach { $0.cancel() }
        tasks.removeAll()
        logger.info("mdns: withdrew all announcements")
    }

    // MARK: - Lifecycle events

    private func handle(_ event: AppLifecycleEvent) {
        let changes = book.apply(event)
        if !changes.isEmpty {
            logger.debug("mdns: app \(event.app) is \(event.state.rawValue): \(changes.count) change(s)")
        }
        apply(changes)
    }

    private func apply(_ changes: [MDNSChange]) {
        guard daemonReady, case .running(let bridge?) = state else { return }  // published whole once ready
        for change in changes {
            switch change {
            case .publish(let publication): publish(publication, on: bridge)
            case .withdraw(let key):
                bridge.withdraw(key: key)
                logger.info("mdns: withdrew \(key)")
            }
        }
    }

    private func publish(_ publication: MDNSPublication, on bridge: AvahiBridge) {
        var publication = publication
        // Bounded: each round drops a name or renames the service; past the bound it gives up.
        for _ in 0..<8 {
            switch bridge.publish(publication) {
            case .committed:
                logger.debug("mdns: committed \(publication.key)")
                return
            case .failed(let message):
                logger.warning("mdns: could not publish \(publication.key): \(message)")
                return
            case .collision(let name):
                guard let next = resolveCollision(publication, name: name, on: bridge) else { return }
                publication = next
            }
        }
        logger.warning("mdns: gave up publishing \(publication.key) after repeated collisions")
    }

    /// A taken service name gets avahi's alternative; a taken host name is dropped from its group
    /// (another host, or avahi-daemon's own host name, already answers for it).
    private func resolveCollision(_ publication: MDNSPublication, name: String, on bridge: AvahiBridge) -> MDNSPublication? {
        switch publication.content {
        case .service(let current, _, _, _):
            let alternative = AvahiBridge.alternativeServiceName(current)
            logger.notice("mdns: service name \"\(current)\" is taken on the network; announcing as \"\(alternative)\"")
            return book.renameService(publication.key, to: alternative)
        case .addresses:
            if name == bridge.hostNameFQDN() {
                logger.info("mdns: \(name) is avahi-daemon's own host name; it already answers for it")
            } else {
                logger.warning("mdns: \(name) is already announced by someone else; not announcing it")
            }
            let left = book.dropName(name, from: publication.key)
            if left == nil { bridge.withdraw(key: publication.key) }
            return left
        }
    }

    // MARK: - avahi client

    private func connect() {
        guard case .running(nil) = state else { return }
        generation += 1
        do {
            let bridge = try AvahiBridge(generation: generation, signals: signalSink)
            state = .running(bridge: bridge)
        } catch {
            if !warnedUnavailable {
                warnedUnavailable = true
                logger.warning("mdns: cannot reach avahi-daemon over D-Bus (\(error.message)); serving without LAN names, retrying in the background")
            }
            scheduleRetry()
        }
    }

    private func scheduleRetry() {
        let delay = retrySeconds
        retrySeconds = min(retrySeconds * 2, Self.maxRetrySeconds)
        tasks.removeAll { $0.isCancelled }
        tasks.append(Task { [weak self] in
            // A retry timer, not synchronisation: nothing signals that D-Bus has appeared.
            try? await Task.sleep(for: .seconds(delay))
            guard !Task.isCancelled else { return }
            await self?.connect()
        })
    }

    private func handle(_ signal: AvahiSignal) {
        guard case .running(let bridge?) = state else { return }
        switch signal {
        case .client(let from, let clientState, let error):
            guard from == bridge.generation else { return }
            handleClient(clientState, error: error, bridge: bridge)
        case .group(let from, let key, let groupState):
            guard from == bridge.generation else { return }
            handleGroup(key, groupState, bridge: bridge)
        }
    }

    private func handleClient(_ clientState: AvahiSignal.ClientState, error: Int32, bridge: AvahiBridge) {
        switch clientState {
        case .running:
            daemonReady = true
            retrySeconds = 1
            if warnedUnavailable { logger.notice("mdns: avahi-daemon is available; announcing") }
            warnedUnavailable = false
            let all = book.publications
            logger.info("mdns: publishing \(all.count) group(s) under \(book.names.domain)")
            for publication in all { publish(publication, on: bridge) }
        case .registering, .collision:
            // The daemon's host name is being (re-)established (a host name change or clash):
            // as avahi asks, withdraw our groups now and publish them again on `.running`.
            daemonReady = false
            bridge.resetAll()
            logger.info("mdns: avahi-daemon host name is \(clientState == .collision ? "in collision" : "registering")")
        case .connecting:
            daemonReady = false
            if !warnedUnavailable {
                warnedUnavailable = true
                logger.warning("mdns: avahi-daemon is not running; serving without LAN names until it starts")
            }
        case .failure:
            // The daemon went away (restart) or the connection broke: this client is dead.
            // Free it and make a new one that waits for the daemon (AVAHI_CLIENT_NO_FAIL).
            daemonReady = false
            logger.notice("mdns: lost avahi-daemon (\(AvahiBridge.describe(error))); reconnecting")
            bridge.close()
            state = .running(bridge: nil)
            connect()
        }
    }

    private func handleGroup(_ key: String, _ groupState: AvahiSignal.GroupState, bridge: AvahiBridge) {
        switch groupState {
        case .established:
            logger.info("mdns: announced \(key)")
        case .collision:
            // avahi withdrew the group: another host on the LAN owns one of its names.
            guard let publication = book.publication(key) else { return }
            if case .service(let current, _, _, _) = publication.content {
                let alternative = AvahiBridge.alternativeServiceName(current)
                logger.notice("mdns: service name \"\(current)\" collided on the network; announcing as \"\(alternative)\"")
                if let renamed = book.renameService(key, to: alternative) { publish(renamed, on: bridge) }
            } else {
                logger.warning("mdns: \(key): a host name collided on the network and was withdrawn")
            }
        case .failure:
            logger.warning("mdns: \(key) failed to register")
        case .uncommitted, .registering:
            break
        }
    }
}
