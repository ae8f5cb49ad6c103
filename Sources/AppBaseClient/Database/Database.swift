/// The database API: collections and atomic batches.
public struct Database: Sendable {
    let client: APIClient

    /// A collection with raw JSON records.
    public func collection(_ name: String) -> CollectionReference<JSONObject> {
        CollectionReference(client: client, name: name)
    }

    /// A collection whose records decode as `T`.
    public func collection<T: Codable & Sendable>(_ name: String, as type: T.Type) -> CollectionReference<T> {
        CollectionReference(client: client, name: name)
    }

    /// `POST /db/batch`: 1–100 operations applied atomically, in order. The first failing operation
    /// throws its error (`details.index` names it) and nothing is applied.
    public func batch(_ operations: [BatchOperation]) async throws -> BatchResult {
        struct Body: Encodable { let operations: [BatchOperation] }
        struct Answer: Decodable { let results: [BatchResult.Item] }
        let response = try await client.send(APIRequest("POST", ["db", "batch"], json: Body(operations: operations)))
        return BatchResult(results: try response.decode(Answer.self).results, changeSeq: response.head.changeSeq)
    }
}
