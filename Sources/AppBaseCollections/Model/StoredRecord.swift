import AppBaseSQLite

/// One row of `records`: the system fields and the stored data text.
struct StoredRecord: Sendable {
    var id: String
    var ownerID: String?
    /// RFC 3339 (ms).
    var createdAt: String
    var updatedAt: String
    var version: Int64
    /// Compact JSON object text without system fields.
    var data: [UInt8]

    /// Reads the columns `RecordJSON.columns` from the current row.
    init(row: SQLiteStatement) {
        id = row.text(0)
        ownerID = row.optionalText(1)
        createdAt = row.text(2)
        updatedAt = row.text(3)
        version = row.int64(4)
        var data: [UInt8] = []
        row.appendText(5, to: &data)
        self.data = data
    }

    init(id: String, ownerID: String?, createdAt: String, updatedAt: String, version: Int64, data: [UInt8]) {
        self.id = id
        self.ownerID = ownerID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
        self.data = data
    }

    /// The record as clients see it (system fields first).
    var json: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 160)
        RecordJSON.append(self, to: &out)
        return out
    }
}
