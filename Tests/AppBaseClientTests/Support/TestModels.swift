import AppBaseClient

/// A typed record for the Codable tests.
struct Note: Codable, Sendable, Equatable {
    struct Meta: Codable, Sendable, Equatable {
        var city: String
        var rating: Double?
    }

    var title: String
    var tags: [String]
    var done: Bool
    var meta: Meta?
}

extension ClientTestServer {
    /// A client with a freshly signed-up user (unique email per call).
    func signedInClient(_ label: String = "user") async throws -> (client: AppBaseClient, session: Session) {
        let client = client()
        let session = try await client.auth.signUp(email: "\(label)-\(UInt64.random(in: 0..<UInt64.max))@example.com", password: "correct horse battery")
        return (client, session)
    }
}

/// Reads changes from `iterator` until `count` records arrived (ready and reset are skipped),
/// within a bounded number of elements.
func nextRecords<I: AsyncIteratorProtocol>(_ count: Int, from iterator: inout I) async throws -> [Change<JSONObject>]
where I.Element == Change<JSONObject> {
    var changes: [Change<JSONObject>] = []
    for _ in 0..<(count + 64) where changes.count < count {
        guard let change = try await iterator.next() else { break }
        if change.record != nil { changes.append(change) }
    }
    return changes
}

/// A signed-in user's `notes` collection with a subscription from the list's position.
struct SubscribedNotes {
    let client: AppBaseClient
    let session: Session
    let notes: CollectionReference<JSONObject>
    var changes: AsyncThrowingStream<Change<JSONObject>, any Error>.Iterator
    /// `ready` events seen so far: one per (re)connection that went live.
    private(set) var readyCount = 0

    init(on server: ClientTestServer, filter: String? = nil) async throws {
        (client, session) = try await server.signedInClient()
        notes = client.db.collection("notes")
        let page = try await notes.list()
        changes = notes.subscribe(filter: filter, since: page.changeSeq).makeAsyncIterator()
    }

    /// Creates a record `{"n": n}` and returns its id.
    func create(_ n: Int) async throws -> String {
        try await notes.create(["n": .number(Double(n))]).id
    }

    /// The ids of the next `count` records the subscription delivers.
    mutating func nextIDs(_ count: Int) async throws -> [String] {
        var ids: [String] = []
        for _ in 0..<(count + 64) where ids.count < count {
            switch try await changes.next() {
            case .ready?: readyCount += 1
            case .some(let change): if let id = change.record?.id { ids.append(id) }
            case nil: return ids
            }
        }
        return ids
    }
}
