import AppBaseCore
import AppBaseQuery
import AppBaseRuntime

/// What one stream asked for and who asked: fixed when the stream opens.
struct Subscription: Sendable {
    var collection: String
    var identity: Identity
    var clientIP: String
    /// The read rule in force when the stream opened (the default when the collection did not
    /// exist yet). If the collection's rule changes, the stream ends with `auth_revoked`.
    var readRule: AccessRule
    var collectionExisted: Bool
    var filter: Filter?

    /// Whether `current` (the collection's read rule now, nil when it does not exist) differs
    /// from the rule this stream was opened under.
    func ruleChanged(current: AccessRule?) -> Bool {
        guard let current else { return collectionExisted }
        return current != readRule
    }

    /// What this subscriber sees of `candidate`, or nil when it sees nothing.
    ///
    /// The read rule decides visibility (the owner never changes, so it decides the same for the
    /// old and the new image); the filter decides membership in the subscriber's view, on each
    /// image: an update entering the view arrives as `create` and one leaving it as `delete`
    /// (with the new image, which shows why it left).
    func classify(_ candidate: inout ChangeCandidate) -> Delivery? {
        let event = candidate.event
        // A dropped collection or a changed read rule concerns every subscriber of it, whatever its
        // rule or filter.
        if event.action == .drop || event.action == .rulesChanged { return Delivery(action: event.action, image: .old) }
        guard RulePredicate.allows(readRule, recordOwner: event.ownerID, userId: identity.user?.id,
                                   isAdmin: identity.isAdmin) else { return nil }
        guard let filter else {
            return Delivery(action: event.action, image: event.action == .delete ? .old : .new)
        }
        switch event.action {
        case .create:
            return matches(filter, candidate.newRecord()) ? Delivery(action: .create, image: .new) : nil
        case .delete:
            return matches(filter, candidate.oldRecord()) ? Delivery(action: .delete, image: .old) : nil
        case .drop, .rulesChanged:
            return Delivery(action: event.action, image: .old)
        case .update:
            let before = matches(filter, candidate.oldRecord())
            let after = matches(filter, candidate.newRecord())
            switch (before, after) {
            case (true, true): return Delivery(action: .update, image: .new)
            case (false, true): return Delivery(action: .create, image: .new)
            case (true, false): return Delivery(action: .delete, image: .new)
            case (false, false): return nil
            }
        }
    }

    private func matches(_ filter: Filter, _ record: JSONValue?) -> Bool {
        guard let record else { return false }
        return FilterEvaluator.matches(filter, record: record)
    }
}
