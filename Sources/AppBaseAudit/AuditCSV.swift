import AppBaseCore

/// The CSV export of audit entries (RFC 4180, CRLF line ends, a header row).
///
/// A field that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
/// spreadsheet opening the file shows it as text instead of running it as a formula (CSV injection:
/// targets and details can carry text a client chose).
enum AuditCSV {
    static let header = ["seq", "time", "actor_kind", "actor_id", "actor_user_id", "actor_ip", "action", "target",
                         "request_id", "details", "hash"]

    static func document(_ entries: some Sequence<AuditEntry>) -> [UInt8] {
        var out: [UInt8] = []
        appendRow(header, to: &out)
        for entry in entries {
            appendRow([String(entry.seq), Timestamp.rfc3339(milliseconds: entry.time), entry.actorKind, entry.actorID ?? "",
                       entry.userID ?? "", entry.ip ?? "", entry.action, entry.target ?? "", entry.requestID ?? "",
                       entry.detailsText, entry.hash], to: &out)
        }
        return out
    }

    static func appendRow(_ fields: [String], to out: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendField(field, to: &out)
        }
        out.append(contentsOf: [13, 10])
    }

    private static let formulaStarts: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13]

    static func appendField(_ field: String, to out: inout [UInt8]) {
        var bytes = Array(field.utf8)
        if let first = bytes.first, formulaStarts.contains(first) { bytes.insert(UInt8(ascii: "'"), at: 0) }
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard needsQuotes else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }
}
