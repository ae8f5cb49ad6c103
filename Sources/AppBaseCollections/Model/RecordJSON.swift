import AppBaseCore
import AppBaseSQLite
import OrderedCollections

/// Builds the JSON clients see from stored rows without decoding the document: the system
/// fields are written, then the stored `data` text is spliced in after them — its opening `{`
/// becomes a `,` and its closing `}` closes the record. Bytes in, bytes out.
///
/// Invariant (relied on here): `records.data` is compact JSON object text starting with `{`,
/// because it is only ever written by `RecordValidator.dataText` or SQLite's `json_patch`.
enum RecordJSON {
    /// The columns `appendRow` expects, in this order.
    static let columns = "id, owner_id, created_at, updated_at, version, data"

    /// Appends the record in the current row of `row` (columns as in `columns`, from `first`).
    ///
    /// A list page runs this for every record, so the common case is two appends: the system
    /// fields assembled in a stack buffer (no per-field `Array` appends, no `String` for the
    /// version), then the data text after its `{`. Anything unusual (a field that needs
    /// escaping, data that is not object text) takes the field-by-field path.
    static func appendRow(_ row: SQLiteStatement, from first: Int32 = 0, to out: inout [UInt8]) {
        // Every pointer is read before the next step, and no column is read as another type.
        let id = row.unsafeText(first)
        let owner: UnsafeBufferPointer<UInt8>? = row.isNull(first + 1) ? nil : row.unsafeText(first + 1)
        let created = row.unsafeText(first + 2), updated = row.unsafeText(first + 3)
        let version = row.int64(first + 4)
        let data = row.unsafeText(first + 5)
        let plain = { (text: UnsafeBufferPointer<UInt8>) in !JSONText.needsEscaping(UnsafeRawBufferPointer(text)) }
        guard plain(id), owner.map(plain) ?? true, plain(created), plain(updated),
              data.count >= 2, data[0] == UInt8(ascii: "{") else {
            appendRowFieldByField(row, from: first, to: &out)
            return
        }
        let head = SystemFieldsHead(id: id, owner: owner, created: created, updated: updated, version: version)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: head.byteCount + 1) { buffer in
            var written = head.write(into: buffer)
            // `{}` closes the record at once; otherwise the data's `{` becomes the `,` after
            // `version` and its `}` closes the record.
            buffer[written] = data.count == 2 ? UInt8(ascii: "}") : UInt8(ascii: ",")
            written += 1
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<written]))
        }
        if data.count > 2 { out.append(contentsOf: UnsafeBufferPointer(rebasing: data[1...])) }
    }

    /// `appendRow` one field at a time, escaping where needed (and re-encoding data that is not
    /// compact object text).
    static func appendRowFieldByField(_ row: SQLiteStatement, from first: Int32, to out: inout [UInt8]) {
        appendLiteral(#"{"id":"#, to: &out)
        appendTextColumn(row, first, to: &out)
        appendLiteral(#","ownerId":"#, to: &out)
        if row.isNull(first + 1) {
            appendLiteral("null", to: &out)
        } else {
            appendTextColumn(row, first + 1, to: &out)
        }
        appendLiteral(#","createdAt":"#, to: &out)
        appendTextColumn(row, first + 2, to: &out)
        appendLiteral(#","updatedAt":"#, to: &out)
        appendTextColumn(row, first + 3, to: &out)
        appendLiteral(#","version":"#, to: &out)
        out.append(contentsOf: String(row.int64(first + 4)).utf8)
        let start = out.count
        row.appendText(first + 5, to: &out)
        spliceData(at: start, in: &out)
    }

    /// Appends a record from its parts (write paths, which hold the values already).
    static func append(_ record: StoredRecord, to out: inout [UInt8]) {
        appendLiteral(#"{"id":"#, to: &out)
        appendString(record.id, to: &out)
        appendLiteral(#","ownerId":"#, to: &out)
        if let owner = record.ownerID { appendString(owner, to: &out) } else { appendLiteral("null", to: &out) }
        appendLiteral(#","createdAt":"#, to: &out)
        appendString(record.createdAt, to: &out)
        appendLiteral(#","updatedAt":"#, to: &out)
        appendString(record.updatedAt, to: &out)
        appendLiteral(#","version":"#, to: &out)
        out.append(contentsOf: String(record.version).utf8)
        let start = out.count
        out.append(contentsOf: record.data)
        spliceData(at: start, in: &out)
    }

    /// `out[start...]` holds the data object's text: turn its `{` into `,` (or drop `{}`
    /// entirely) so that its `}` closes the record.
    private static func spliceData(at start: Int, in out: inout [UInt8]) {
        if out.count - start >= 2, out[start] == UInt8(ascii: "{") {
            if out.count - start == 2 {
                out.removeLast(2)
                out.append(UInt8(ascii: "}"))
            } else {
                out[start] = UInt8(ascii: ",")
            }
            return
        }
        // Not compact object text (the invariant above was broken): re-encode rather than emit
        // invalid JSON.
        let text = Array(out[start...])
        out.removeSubrange(start...)
        if case .object(let members)? = try? JSONParser.parse(text, maxDepth: 64, keepingNumberText: true), !members.isEmpty {
            var encoded = JSONValue.object(members).serialized()
            encoded[0] = UInt8(ascii: ",")
            out.append(contentsOf: encoded)
        } else {
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends a text column as a JSON string, escaping only when a byte needs it.
    private static func appendTextColumn(_ row: SQLiteStatement, _ column: Int32, to out: inout [UInt8]) {
        // Scanned where SQLite holds the bytes: a list page runs this four times per record.
        row.withText(column) { bytes in
            if JSONText.needsEscaping(UnsafeRawBufferPointer(bytes)) {
                JSONText.appendEscapedString(String(decoding: bytes, as: UTF8.self), to: &out)
                return
            }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
        }
    }

    /// Appends `text` as a JSON string (ids and timestamps need no escapes: fast path).
    static func appendString(_ text: String, to out: inout [UInt8]) {
        let needsEscaping = text.utf8.withContiguousStorageIfAvailable { JSONText.needsEscaping(UnsafeRawBufferPointer($0)) }
            ?? text.utf8.contains(where: { JSONText.needsEscaping(byte: $0) })
        if needsEscaping {
            JSONText.appendEscapedString(text, to: &out)
            return
        }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: text.utf8)
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    static func appendLiteral(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
