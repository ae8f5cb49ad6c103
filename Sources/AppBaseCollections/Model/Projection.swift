import AppBaseCore
import AppBaseQuery
import AppBaseSQLite
import OrderedCollections

/// A `fields=` projection: the records in a response carry `id` plus the named fields — system
/// fields by name, data paths (`a.b`) as nested members. Paths a record lacks are left out.
///
/// Projection is the one read path that decodes stored text (to pick members); without
/// `fields` records are spliced from their stored bytes.
struct Projection: Sendable, Hashable {
    var systemFields: [SystemField]
    var dataPaths: [[String]]

    /// Parses `a,b.c,createdAt`.
    /// - Throws: 400 `bad_request` naming the offending entry.
    init(parsing text: String, maxFields: Int) throws(AppBaseError) {
        systemFields = []
        dataPaths = []
        let entries = text.split(separator: ",", omittingEmptySubsequences: true)
        guard !entries.isEmpty, entries.count <= maxFields else {
            throw AppBaseError(status: 400, code: .badRequest, message: "fields names 1 to \(maxFields) comma-separated paths.",
                               details: .object(["field": .string("fields")]))
        }
        for entry in entries {
            let trimmed = String(entry.trimmingASCIISpaces())
            let path: FieldPath
            do {
                path = try FieldPath(trimmed)
            } catch {
                throw AppBaseError(status: 400, code: .badRequest, message: "Invalid path \"\(trimmed)\" in fields: \(error.message).",
                                   details: .object(["field": .string("fields")]))
            }
            if let system = path.systemField {
                if system != .id && !systemFields.contains(system) { systemFields.append(system) }
            } else if !dataPaths.contains(path.segments) {
                dataPaths.append(path.segments)
            }
        }
    }

    /// Appends the projected record of the current row (columns as in `RecordJSON.columns`).
    func appendRow(_ row: SQLiteStatement, to out: inout [UInt8]) {
        var result: JSONValue = .object(["id": .string(row.text(0))])
        for field in systemFields {
            let value: JSONValue
            switch field {
            case .id: continue
            case .ownerId: value = row.isNull(1) ? .null : .string(row.text(1))
            case .createdAt: value = .string(row.text(2))
            case .updatedAt: value = .string(row.text(3))
            case .version: value = .int(row.int64(4))
            }
            result = Self.inserting(value, at: [field.rawValue][...], into: result)
        }
        if !dataPaths.isEmpty {
            var text: [UInt8] = []
            row.appendText(5, to: &text)
            let data = (try? JSONParser.parse(text, maxDepth: 64, keepingNumberText: true)) ?? .object([:])
            for path in dataPaths {
                guard let value = Self.value(at: path[...], in: data) else { continue }
                result = Self.inserting(value, at: path[...], into: result)
            }
        }
        result.serialize(into: &out)
    }

    private static func value(at path: ArraySlice<String>, in value: JSONValue) -> JSONValue? {
        guard let key = path.first else { return value }
        guard let member = value[key] else { return nil }
        return Self.value(at: path.dropFirst(), in: member)
    }

    /// `target` with `value` at `path`, creating objects on the way. A member already holding the
    /// whole of a shorter requested path is left as it is.
    private static func inserting(_ value: JSONValue, at path: ArraySlice<String>, into target: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        guard case .object(var members) = target else { return target }
        let child = members[key] ?? .object([:])
        members[key] = inserting(value, at: path.dropFirst(), into: child)
        return .object(members)
    }
}
