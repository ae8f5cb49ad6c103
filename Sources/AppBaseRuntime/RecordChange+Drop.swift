import AppBaseCore

/// The `drop` marker a collection's deletion logs, carrying the read rule the collection had.
///
/// Entries logged before the drop were written under that rule, and once the collection is gone
/// nothing else remembers it: a client resuming across the drop gets those entries first, judged
/// by this rule, then `reset` (`collection_deleted`). The rule travels as the marker's old image,
/// `{"read":"<rule>"}` (the collections service writes it, the change feed reads it).
extension RecordChange {
    /// The marker for dropping `collection`, whose read rule was `readRule` (nil: unknown).
    public static func drop(of collection: String, readRule: AccessRule?, requestID: String?) -> RecordChange {
        RecordChange(collection: collection, recordID: "", ownerID: nil, action: .drop,
                     oldImage: readRule.map { Array(#"{"read":"\#($0.rawValue)"}"#.utf8) }, newImage: nil, requestID: requestID)
    }

    /// The read rule a drop marker's old image records; nil when it records none (markers logged
    /// by versions before this one) or `image` is not a marker's.
    public static func droppedReadRule(from image: [UInt8]?) -> AccessRule? {
        guard let image, let text = (try? JSONParser.parse(image, maxDepth: 2))?["read"]?.stringValue else { return nil }
        return AccessRule(rawValue: text)
    }
}
