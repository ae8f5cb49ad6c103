import AppBaseCore
import AppBaseRuntime
import OrderedCollections

/// How one change is shown to one subscriber: the action it sees and which image it gets.
struct Delivery: Sendable, Hashable {
    enum Image: Sendable, Hashable { case old, new }
    var action: RecordAction
    var image: Image
}

/// One change while it is evaluated for many subscribers: its images are parsed at most once
/// (only if some subscriber has a filter) and each distinct frame is encoded at most once, then
/// shared by every subscriber that gets it (arrays are copy-on-write).
struct ChangeCandidate {
    let event: ChangeEvent
    private var parsedOld: JSONValue??
    private var parsedNew: JSONValue??
    private var frames: [Delivery: [UInt8]] = [:]

    init(_ event: ChangeEvent) { self.event = event }

    /// The record before the change (nil for a create, or an unreadable image).
    mutating func oldRecord() -> JSONValue? {
        if let parsedOld { return parsedOld }
        let value = Self.parse(event.oldImage)
        parsedOld = .some(value)
        return value
    }

    /// The record after the change (nil for a delete, or an unreadable image).
    mutating func newRecord() -> JSONValue? {
        if let parsedNew { return parsedNew }
        let value = Self.parse(event.newImage)
        parsedNew = .some(value)
        return value
    }

    /// The encoded event for `delivery`.
    mutating func frame(_ delivery: Delivery) -> [UInt8] {
        if let frame = frames[delivery] { return frame }
        if delivery.action == .drop || delivery.action == .rulesChanged {
            // The collection and its records are gone, or who may read them changed: tell the
            // client to refetch.
            let reason = delivery.action == .drop ? "collection_deleted" : RecordAction.rulesChanged.rawValue
            let frame = SSEFrames.reset(reason: reason, since: event.seq, seq: event.seq)
            frames[delivery] = frame
            return frame
        }
        let image = (delivery.image == .new ? event.newImage : event.oldImage) ?? fallbackImage
        let frame = SSEFrames.change(delivery.action, seq: event.seq, collection: event.collection, record: image)
        frames[delivery] = frame
        return frame
    }

    /// `{"id":…}` when an image is missing (never for entries the collections service writes).
    private var fallbackImage: [UInt8] { JSONValue.object(["id": .string(event.recordID)]).serialized() }

    private static func parse(_ image: [UInt8]?) -> JSONValue? {
        guard let image else { return nil }
        return try? JSONParser.parse(image, maxDepth: 64)
    }
}
