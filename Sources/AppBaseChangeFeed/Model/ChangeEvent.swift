import AppBaseRuntime

/// One committed change-log entry, as subscribers evaluate it. Images are the records' JSON
/// text as clients see them (system fields included).
struct ChangeEvent: Sendable {
    /// The log row's rowid: the change sequence.
    var seq: Int64
    var collection: String
    var recordID: String
    var ownerID: String?
    var action: RecordAction
    var oldImage: [UInt8]?
    var newImage: [UInt8]?
}
