import AppBaseCore
import Synchronization
import OrderedCollections

/// The public profile (`{id, email, createdAt}`) of recently seen users, so `GET /auth/me` —
/// which SDKs call on every start — answers without a database hop.
///
/// Safe to cache: none of these fields can change after registration (there is no email change),
/// and disabled or revoked users are refused by the authenticator before the handler runs.
/// Bounded: when full, the cache is emptied and refills from traffic.
final class UserProfileCache: Sendable {
    private let entries = Mutex<[String: [UInt8]]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The cached `{"user":{…}}` body for `userID`.
    func body(for userID: String) -> [UInt8]? { entries.withLock { $0[userID] } }

    /// Remembers the `{"user":{…}}` body of `user`.
    func remember(_ user: AuthUser) -> [UInt8] {
        let body = JSONValue.object(["user": user.json()]).serialized()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[user.id] = body
        }
        return body
    }
}
