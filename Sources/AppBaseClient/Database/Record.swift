/// A stored record: the server's five system fields, the members decoded as `T`, and the raw JSON.
///
/// `T` is any `Codable` type (its decoder ignores the system fields unless it declares them), or
/// `JSONObject` for untyped access.
public struct Record<T: Codable & Sendable>: Codable, Sendable {
    /// UUIDv7, time-sortable.
    public let id: String
    /// The creating user (nil for records written with an admin key and no user).
    public let ownerId: String?
    /// RFC 3339 with milliseconds, UTC.
    public let createdAt: String
    public let updatedAt: String
    /// 1, then +1 per write: what `ifMatch:` takes.
    public let version: Int
    /// The record decoded as `T`.
    public let data: T
    /// The record exactly as the server sent it (system fields included).
    public let raw: JSONObject

    /// Decodes a record from its JSON object.
    /// - Throws: `invalid_response` when a system field is missing or `T` cannot be decoded.
    public init(raw: JSONObject) throws {
        guard let id = raw["id"]?.stringValue, let createdAt = raw["createdAt"]?.stringValue,
              let updatedAt = raw["updatedAt"]?.stringValue, let version = raw["version"]?.int64Value else {
            throw AppBaseError.invalidResponse("A record lacks its system fields.")
        }
        self.id = id
        ownerId = raw["ownerId"]?.stringValue
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = Int(version)
        do {
            data = try JSONCoding.convert(.object(raw), to: T.self)
        } catch {
            throw AppBaseError.invalidResponse("Record \(id) does not decode as \(T.self): \(error)")
        }
        self.raw = raw
    }

    public init(from decoder: any Decoder) throws {
        try self.init(raw: JSONObject(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try raw.encode(to: encoder)
    }

    /// The same record decoded as another type.
    public func decoded<U: Codable & Sendable>(as type: U.Type) throws -> Record<U> {
        try Record<U>(raw: raw)
    }
}

/// One page of a list.
public struct Page<T: Codable & Sendable>: Sendable {
    public let items: [Record<T>]
    /// Pass to `list(cursor:)` for the next page; nil on the last one.
    public let nextCursor: String?
    /// The number of matching records, when asked for with `count: true`.
    public let total: Int?
    /// `X-Change-Seq`: the change sequence this page reflects. Pass it to `subscribe(since:)` so
    /// nothing is lost between the list and the subscription.
    public let changeSeq: Int64?
}

/// One change pushed by a subscription.
public enum Change<T: Codable & Sendable>: Sendable {
    /// The stream is live from `seq` (after any replayed changes); sent again after each reconnect.
    case ready(seq: Int64)
    case created(Record<T>, seq: Int64)
    case updated(Record<T>, seq: Int64)
    /// `record` is the last image (or, under a filter, the image that left it).
    case deleted(Record<T>, seq: Int64)
    /// The server cannot replay from the last position (`expired`, `future`, `collection_deleted`,
    /// `rules_changed`): refetch with `list`; the stream continues from `seq`.
    case reset(reason: String, seq: Int64)

    /// The record of a create, update or delete.
    public var record: Record<T>? {
        switch self {
        case .created(let record, _), .updated(let record, _), .deleted(let record, _): return record
        case .ready, .reset: return nil
        }
    }
}
