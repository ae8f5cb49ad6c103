/// One operation of `Database.batch(_:)`.
public struct BatchOperation: Encodable, Sendable {
    let op: String
    let collection: String
    let id: String?
    let data: JSONValue?
    let ifMatch: Int?

    /// Creates a record from `value`'s members.
    public static func create(in collection: String, _ value: some Encodable) throws -> BatchOperation {
        BatchOperation(op: "create", collection: collection, id: nil, data: try JSONCoding.value(of: value), ifMatch: nil)
    }

    /// Replaces record `id`'s members (like `PUT`).
    public static func update(in collection: String, id: String, _ value: some Encodable, ifMatch: Int? = nil) throws -> BatchOperation {
        BatchOperation(op: "update", collection: collection, id: id, data: try JSONCoding.value(of: value), ifMatch: ifMatch)
    }

    /// Merges `changes` into record `id` (like `PATCH`).
    public static func patch(in collection: String, id: String, _ changes: some Encodable, ifMatch: Int? = nil) throws -> BatchOperation {
        BatchOperation(op: "patch", collection: collection, id: id, data: try JSONCoding.value(of: changes), ifMatch: ifMatch)
    }

    /// Deletes record `id`.
    public static func delete(in collection: String, id: String, ifMatch: Int? = nil) -> BatchOperation {
        BatchOperation(op: "delete", collection: collection, id: id, data: nil, ifMatch: ifMatch)
    }
}

/// What a batch did: one result per operation, in order.
public struct BatchResult: Sendable {
    /// One operation's result: `201` (create), `200` (update, patch) or `204` (delete), and the record written.
    public struct Item: Decodable, Sendable {
        public let status: Int
        public let record: Record<JSONObject>?
    }

    public let results: [Item]
    /// `X-Change-Seq` of the batch's last write.
    public let changeSeq: Int64?
}
