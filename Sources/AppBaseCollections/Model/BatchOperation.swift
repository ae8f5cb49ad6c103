import AppBaseCore
import OrderedCollections

/// One operation of `POST /db/batch`, validated before the transaction starts:
/// `{"op":"create|update|patch|delete","collection":C,"id":ID,"data":{…},"ifMatch":VERSION?}`.
enum BatchOperation: Sendable {
    case create(collection: String, data: [UInt8])
    case replace(collection: String, id: String, data: [UInt8], ifMatch: IfMatch?)
    case patch(collection: String, id: String, patch: [UInt8], ifMatch: IfMatch?)
    case delete(collection: String, id: String, ifMatch: IfMatch?)

    /// Parses `{"operations":[…]}`.
    /// - Throws: 400 for a malformed batch; errors of one operation carry `details.index`.
    static func parseList(_ value: JSONValue, maxOperations: Int) throws(AppBaseError) -> [BatchOperation] {
        guard let members = value.objectValue, let list = members["operations"]?.arrayValue, members.count == 1 else {
            throw .validation("The body is {\"operations\": [...]}.", field: "operations")
        }
        guard (1...maxOperations).contains(list.count) else {
            throw .validation("A batch holds 1 to \(maxOperations) operations.", field: "operations")
        }
        var operations: [BatchOperation] = []
        operations.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            do {
                operations.append(try parse(element))
            } catch {
                throw error.atBatchIndex(index)
            }
        }
        return operations
    }

    private static func parse(_ value: JSONValue) throws(AppBaseError) -> BatchOperation {
        guard let members = value.objectValue else { throw .validation("An operation is an object.", field: "operations") }
        for key in members.keys where !["op", "collection", "id", "data", "ifMatch"].contains(key) {
            throw .validation("Unknown operation property \"\(key)\".", field: key)
        }
        guard let op = members["op"]?.stringValue else { throw .validation("\"op\" is required.", field: "op") }
        guard let name = members["collection"]?.stringValue else {
            throw .validation("\"collection\" is required.", field: "collection")
        }
        let collection = try ResourceName.validatedCollection(name)
        var ifMatch: IfMatch?
        if let tag = members["ifMatch"] {
            guard let parsed = IfMatch(json: tag) else { throw .validation("\"ifMatch\" is a version.", field: "ifMatch") }
            ifMatch = parsed
        }
        func id() throws(AppBaseError) -> String {
            guard let id = members["id"]?.stringValue, !id.isEmpty else { throw .validation("\"id\" is required.", field: "id") }
            return id
        }
        func data() throws(AppBaseError) -> [UInt8] {
            guard let data = members["data"] else { throw .validation("\"data\" is required.", field: "data") }
            return try RecordValidator.dataText(data, field: "data")
        }
        switch op {
        case "create":
            guard ifMatch == nil, members["id"] == nil else {
                throw .validation("create takes neither id nor ifMatch.", field: "op")
            }
            return .create(collection: collection, data: try data())
        case "update": return .replace(collection: collection, id: try id(), data: try data(), ifMatch: ifMatch)
        case "patch": return .patch(collection: collection, id: try id(), patch: try data(), ifMatch: ifMatch)
        case "delete": return .delete(collection: collection, id: try id(), ifMatch: ifMatch)
        default: throw .validation("\"op\" is create, update, patch or delete.", field: "op")
        }
    }

    /// Applies the operation in `write`'s transaction.
    func apply(_ write: RecordTransaction) throws -> WriteOutcome {
        switch self {
        case .create(let collection, let data):
            return try write.create(in: collection, data: data)
        case .replace(let collection, let id, let data, let ifMatch):
            return try write.replace(in: collection, id: id, data: data, ifMatch: ifMatch)
        case .patch(let collection, let id, let patch, let ifMatch):
            return try write.patch(in: collection, id: id, patch: patch, ifMatch: ifMatch)
        case .delete(let collection, let id, let ifMatch):
            return try write.delete(in: collection, id: id, ifMatch: ifMatch)
        }
    }
}
