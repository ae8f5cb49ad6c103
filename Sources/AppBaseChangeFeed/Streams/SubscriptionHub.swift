import AppBaseCore
import AppBaseRuntime

/// Every open stream of one app, indexed by collection; fans committed changes out to them.
///
/// Changes arrive through one ordered inbox (fed by the writer's `afterCommit`, in commit order)
/// and are handed to each stream in sequence order. Per change: one lookup of the collection's
/// read rule, images parsed at most once and each distinct frame encoded at most once; per
/// subscriber: a rule check, the filter (if any) and an append to its bounded queue. The hub
/// never waits for a stream: a slow one overflows and ends alone.
actor SubscriptionHub {
    private enum State {
        case running
        case stopped
    }

    private var state = State.running
    private var subscribers: [Int: Subscriber] = [:]
    private var byCollection: [String: [Int: Subscriber]] = [:]
    private var streamsPerUser: [String: Int] = [:]
    private var streamsPerIP: [String: Int] = [:]
    private var nextID = 1
    /// The newest sequence offered to the hub (on any collection): every change up to it has
    /// been handed to each stream it concerns, so a live stream's position may advance to it.
    private var lastSeq: Int64 = 0
    private var lastHeartbeat = MonotonicTime.nanoseconds()
    private let settings: ChangeFeedSettings
    private let clock: any WallClock
    private let rules: RulesLookup
    private let identities: any IdentityValidator

    init(settings: ChangeFeedSettings, clock: any WallClock, rules: RulesLookup, identities: any IdentityValidator) {
        self.settings = settings
        self.clock = clock
        self.rules = rules
        self.identities = identities
    }

    /// Adds a stream; from now on it buffers every change for its collection.
    /// - Throws: 429 `rate_limited` past the per-user or per-IP cap; 503 when shutting down.
    func register(_ subscription: Subscription) throws(AppBaseError) -> Subscriber {
        guard case .running = state else { throw .serverBusy(retryAfterSeconds: 1, "The server is shutting down.") }
        let userID = subscription.identity.user?.id
        if let userID, streamsPerUser[userID, default: 0] >= settings.maxStreamsPerUser {
            throw .rateLimited(retryAfterSeconds: 5, "Too many open streams for this user (\(settings.maxStreamsPerUser)).")
        }
        guard streamsPerIP[subscription.clientIP, default: 0] < settings.maxStreamsPerIP else {
            throw .rateLimited(retryAfterSeconds: 5, "Too many open streams from this address (\(settings.maxStreamsPerIP)).")
        }
        let subscriber = Subscriber(id: nextID, subscription: subscription, capacity: settings.subscriberBuffer,
                                    byteCapacity: settings.subscriberBufferBytes)
        nextID += 1
        subscribers[subscriber.id] = subscriber
        byCollection[subscription.collection, default: [:]][subscriber.id] = subscriber
        if let userID { streamsPerUser[userID, default: 0] += 1 }
        streamsPerIP[subscription.clientIP, default: 0] += 1
        // The request was checked a hop ago: a revocation or rule change in between was
        // signalled before this stream could hear it, so check again now that it can.
        if let reason = staleness(of: subscriber, currentRule: rules.readRule(for: subscription.collection),
                                  now: clock.nowSeconds()) {
            end(subscriber, reason)
        }
        return subscriber
    }

    /// Removes a stream (idempotent) and frees its place under the caps.
    func unregister(_ id: Int) {
        guard let subscriber = subscribers.removeValue(forKey: id) else { return }
        let subscription = subscriber.subscription
        byCollection[subscription.collection]?.removeValue(forKey: id)
        if byCollection[subscription.collection]?.isEmpty == true { byCollection.removeValue(forKey: subscription.collection) }
        if let userID = subscription.identity.user?.id { Self.decrement(&streamsPerUser, userID) }
        Self.decrement(&streamsPerIP, subscription.clientIP)
    }

    /// Open streams (for tests and metrics).
    var streamCount: Int { subscribers.count }

    /// Delivers changes from `inbox` in order until it finishes. At a gap (the inbox overflowed
    /// and dropped changes) the streams on the collections that lost changes are closed: their
    /// clients resume from the log.
    func consume(_ inbox: FanOutInbox) async {
        for await item in inbox.items {
            if inbox.isHeld { await inbox.waitWhileHeld() }
            switch item {
            case .change(let event, let bytes):
                inbox.took(bytes: bytes)
                deliver(event)
            case .gap:
                endStreams(missingChangesOf: inbox.takeGap())
            }
        }
    }

    /// Closes the streams on `collections` after the inbox dropped changes to them; streams
    /// registered later replay those changes from the log.
    private func endStreams(missingChangesOf collections: Set<String>) {
        guard case .running = state else { return }
        for collection in collections {
            guard let group = byCollection[collection] else { continue }
            for subscriber in Array(group.values) { end(subscriber, .overflow) }
        }
    }

    /// Hands one committed change to the streams on its collection, ending those whose token
    /// expired or whose read rule changed.
    func deliver(_ event: ChangeEvent) {
        lastSeq = max(lastSeq, event.seq)
        guard case .running = state, let group = byCollection[event.collection] else { return }
        let now = clock.nowSeconds()
        let currentRule = rules.readRule(for: event.collection)
        var candidate = ChangeCandidate(event)
        var flushes = DirectFlushes()
        for subscriber in group.values {
            if let reason = staleness(of: subscriber, currentRule: currentRule, now: now) {
                end(subscriber, reason)
                continue
            }
            subscriber.deliver(&candidate, flushes: &flushes)
        }
        flushes.submit()
    }

    /// Periodic work: ends streams whose token expired, whose identity was revoked or whose
    /// read rule changed; every `heartbeatSeconds`, sends idle live streams a heartbeat.
    func tick() {
        guard case .running = state else { return }
        let now = clock.nowSeconds()
        let monotonic = MonotonicTime.nanoseconds()
        let beat = monotonic &- lastHeartbeat >= UInt64(max(1, settings.heartbeatSeconds)) * 1_000_000_000
        if beat { lastHeartbeat = monotonic }
        // Rules and identities are re-checked here too (cheap lookups), so a dropped rule or
        // auth signal (the broadcasts keep only the newest few) cannot leave a stream open.
        var currentRules: [String: AccessRule?] = [:]
        for subscriber in subscribers.values {
            let collection = subscriber.subscription.collection
            let currentRule: AccessRule?
            if let cached = currentRules[collection] {
                currentRule = cached
            } else {
                currentRule = rules.readRule(for: collection)
                currentRules[collection] = .some(currentRule)
            }
            if let reason = staleness(of: subscriber, currentRule: currentRule, now: now) {
                end(subscriber, reason)
            } else if beat {
                // Changes on other collections move a quiet stream's position too, so its
                // `Last-Event-ID` stays inside the log's window.
                subscriber.heartbeat(advancingTo: lastSeq)
            }
        }
    }

    /// Re-checks every stream's identity after auth state changed (sessions, users, keys).
    func revalidateIdentities() {
        guard case .running = state else { return }
        let now = clock.nowSeconds()
        for subscriber in subscribers.values {
            guard let code = identities.revalidate(subscriber.subscription.identity, nowSeconds: now) else { continue }
            end(subscriber, code == .tokenExpired ? .authExpired : .authRevoked(code: code.rawValue))
        }
    }

    /// Ends the streams on `collection` whose read rule is no longer the one they opened under.
    func rulesChanged(_ collection: String) {
        guard case .running = state, let group = byCollection[collection] else { return }
        let currentRule = rules.readRule(for: collection)
        for subscriber in group.values where subscriber.subscription.ruleChanged(current: currentRule) {
            end(subscriber, .authRevoked(code: "rules_changed"))
        }
    }

    /// Ends every stream; later registrations are refused.
    func shutdown() {
        state = .stopped
        for subscriber in subscribers.values { subscriber.end(.shutdown) }
        subscribers.removeAll()
        byCollection.removeAll()
        streamsPerUser.removeAll()
        streamsPerIP.removeAll()
    }

    /// Why `subscriber` must end now, or nil. Its identity is asked about only when the
    /// validator's version moved since it last passed (or it has a dashboard session, which also
    /// ends by time): otherwise nothing `revalidate` looks at has changed.
    private func staleness(of subscriber: Subscriber, currentRule: AccessRule?, now: Int64) -> EndReason? {
        let subscription = subscriber.subscription
        if subscription.ruleChanged(current: currentRule) { return .authRevoked(code: "rules_changed") }
        if let expiresAt = subscription.identity.user?.expiresAt, expiresAt <= now { return .authExpired }
        let version = identities.identityVersion
        if let version, subscription.identity.dashboardSessionID == nil, subscriber.identityPassed(atVersion: version) {
            return nil
        }
        if let code = identities.revalidate(subscription.identity, nowSeconds: now) {
            return code == .tokenExpired ? .authExpired : .authRevoked(code: code.rawValue)
        }
        if let version { subscriber.identityPassed(version) }
        return nil
    }

    private func end(_ subscriber: Subscriber, _ reason: EndReason) {
        subscriber.end(reason)
        unregister(subscriber.id)
    }

    private static func decrement(_ counts: inout [String: Int], _ key: String) {
        guard let count = counts[key] else { return }
        if count <= 1 { counts.removeValue(forKey: key) } else { counts[key] = count - 1 }
    }
}
