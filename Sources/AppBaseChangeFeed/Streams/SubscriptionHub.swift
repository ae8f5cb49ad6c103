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
        let subscriber = Subscriber(id: nextID, subscription: subscription, capacity: settings.subscriberBuffer)
        nextID += 1
        subscribers[subscriber.id] = subscriber
        byCollection[subscription.collection, default: [:]][subscriber.id] = subscriber
        if let userID { streamsPerUser[userID, default: 0] += 1 }
        streamsPerIP[subscription.clientIP, default: 0] += 1
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

    /// Delivers changes from `inbox` in order until it finishes.
    func consume(_ inbox: AsyncStream<ChangeEvent>) async {
        for await event in inbox { deliver(event) }
    }

    /// Hands one committed change to the streams on its collection, ending those whose token
    /// expired or whose read rule changed.
    func deliver(_ event: ChangeEvent) {
        guard case .running = state, let group = byCollection[event.collection] else { return }
        let now = clock.nowSeconds()
        let currentRule = rules.readRule(for: event.collection)
        var candidate = ChangeCandidate(event)
        for subscriber in group.values {
            if let reason = staleness(of: subscriber.subscription, currentRule: currentRule, now: now) {
                end(subscriber, reason)
                continue
            }
            subscriber.deliver(&candidate)
        }
    }

    /// Periodic work: ends streams whose token expired; every `heartbeatSeconds`, sends idle
    /// live streams a heartbeat.
    func tick() {
        guard case .running = state else { return }
        let now = clock.nowSeconds()
        let monotonic = MonotonicTime.nanoseconds()
        let beat = monotonic &- lastHeartbeat >= UInt64(max(1, settings.heartbeatSeconds)) * 1_000_000_000
        if beat { lastHeartbeat = monotonic }
        for subscriber in subscribers.values {
            if let expiresAt = subscriber.subscription.identity.user?.expiresAt, expiresAt <= now {
                end(subscriber, .authExpired)
            } else if beat {
                subscriber.heartbeat()
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

    private func staleness(of subscription: Subscription, currentRule: AccessRule?, now: Int64) -> EndReason? {
        if subscription.ruleChanged(current: currentRule) { return .authRevoked(code: "rules_changed") }
        if let expiresAt = subscription.identity.user?.expiresAt, expiresAt <= now { return .authExpired }
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
