import Foundation

/// One collection's records, decoded as `T` (`JSONObject` for raw access).
public struct CollectionReference<T: Codable & Sendable>: Sendable {
    let client: APIClient
    /// The collection's name.
    public let name: String

    private var path: [String] { ["db", "collections", name] }

    /// `POST /db/collections/:c`: creates a record from `value`'s members.
    public func create(_ value: T) async throws -> Record<T> {
        try await client.send(APIRequest("POST", path, json: value), decoding: Record<T>.self)
    }

    /// `GET /db/collections/:c/:id`.
    public func get(_ id: String) async throws -> Record<T> {
        try await client.send(APIRequest("GET", path + [id]), decoding: Record<T>.self)
    }

    /// `PUT`: replaces the record's members with `value`'s. With `ifMatch`, fails with
    /// `version_conflict` (412) unless the record is still at that version.
    public func update(_ id: String, _ value: T, ifMatch version: Int? = nil) async throws -> Record<T> {
        var request = try APIRequest("PUT", path + [id], json: value)
        Self.setIfMatch(version, on: &request)
        return try await client.send(request, decoding: Record<T>.self)
    }

    /// `PATCH`: merges `changes` into the record (RFC 7396: a `null` member removes it).
    public func patch<Changes: Encodable & Sendable>(_ id: String, _ changes: Changes, ifMatch version: Int? = nil) async throws -> Record<T> {
        var request = try APIRequest("PATCH", path + [id], json: changes)
        Self.setIfMatch(version, on: &request)
        return try await client.send(request, decoding: Record<T>.self)
    }

    /// `DELETE`.
    public func delete(_ id: String, ifMatch version: Int? = nil) async throws {
        var request = APIRequest("DELETE", path + [id])
        Self.setIfMatch(version, on: &request)
        _ = try await client.send(request)
    }

    /// `GET /db/collections/:c`: one page, with the change sequence it reflects.
    /// - Parameters:
    ///   - filter: the filter language, e.g. `status = "open" && priority >= 2`.
    ///   - sort: e.g. `-createdAt,title` (default `-createdAt`).
    ///   - limit: 1…500 (default 50).
    ///   - cursor: the previous page's `nextCursor`.
    ///   - count: also return `total`.
    public func list(filter: String? = nil, sort: String? = nil, limit: Int? = nil, cursor: String? = nil,
                     count: Bool = false) async throws -> Page<T> {
        var query: [(String, String)] = []
        if let filter { query.append(("filter", filter)) }
        if let sort { query.append(("sort", sort)) }
        if let limit { query.append(("limit", String(limit))) }
        if let cursor { query.append(("cursor", cursor)) }
        if count { query.append(("count", "true")) }
        let response = try await client.send(APIRequest("GET", path, query: query))
        let body = try response.decode(PageBody.self)
        return Page(items: body.items, nextCursor: body.nextCursor, total: body.total, changeSeq: response.head.changeSeq)
    }

    /// Every matching record, page after page (`pageSize` each), as the caller reads them.
    public func all(filter: String? = nil, sort: String? = nil, pageSize: Int = 100) -> AsyncThrowingStream<Record<T>, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var cursor: String?
                    repeat {
                        let page = try await list(filter: filter, sort: sort, limit: pageSize, cursor: cursor)
                        for record in page.items { continuation.yield(record) }
                        cursor = page.nextCursor
                    } while cursor != nil && !Task.isCancelled
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Live changes to the records the user may read (matching `filter`), delivered exactly once
    /// across reconnects and token refreshes.
    ///
    /// Pass a page's `changeSeq` as `since` to receive every change after that list, so nothing
    /// falls between them. The sequence ends (throwing `AppBaseError`) when the server ends the
    /// stream for good (`auth_revoked`: `session_revoked`, `user_disabled`, `rules_changed`, …) or a
    /// request is refused; it ends without error when the caller stops reading.
    public func subscribe(filter: String? = nil, since: Int64? = nil) -> AsyncThrowingStream<Change<T>, any Error> {
        AsyncThrowingStream(bufferingPolicy: .unbounded) { continuation in
            let subscription = Subscription<T>(client: client, collection: name, filter: filter, since: since)
            let task = Task { await subscription.run(continuation) }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The JSON of a list answer.
    private struct PageBody: Decodable {
        let items: [Record<T>]
        let nextCursor: String?
        let total: Int?
    }

    private static func setIfMatch(_ version: Int?, on request: inout APIRequest) {
        if let version { request.headers["If-Match"] = "\"\(version)\"" }
    }
}
