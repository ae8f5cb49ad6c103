import AppBaseCore
import Testing

/// Rule decisions for existing resources versus the collection level.
@Suite struct IdentityTests {
    static let alice = Identity(keyID: "k", keyKind: .client, user: .init(id: "alice", sessionID: "s", expiresAt: 0))
    static let keyOnly = Identity(keyID: "k", keyKind: .client)
    static let admin = Identity(keyID: "a", keyKind: .admin)

    @Test func ownerRuleNeedsTheOwnerAndNeverMatchesAnOwnerlessResource() {
        #expect(Self.alice.satisfies(.owner, ownerID: "alice"))
        #expect(!Self.alice.satisfies(.owner, ownerID: "bob"))
        #expect(!Self.alice.satisfies(.owner, ownerID: nil))
        #expect(Self.admin.satisfies(.owner, ownerID: nil))
        #expect(!Self.keyOnly.satisfies(.owner, ownerID: "alice"))
    }

    @Test func collectionLevelDecisions() {
        #expect(Self.alice.satisfiesCollectionLevel(.owner))
        #expect(Self.alice.satisfiesCollectionLevel(.authenticated))
        #expect(!Self.keyOnly.satisfiesCollectionLevel(.authenticated))
        #expect(Self.keyOnly.satisfiesCollectionLevel(.public))
        #expect(!Self.alice.satisfiesCollectionLevel(.admin))
        #expect(Self.admin.satisfiesCollectionLevel(.admin))
        #expect(!Identity.anonymous.satisfiesCollectionLevel(.public))
    }
}
