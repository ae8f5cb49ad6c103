import Crypto

/// The hash chain: each entry's hash is SHA-256 over a canonical encoding of the previous entry's
/// hash and the entry's own fields (ADR 0029).
///
/// Encoding, version 1: the ASCII tag `appbase-audit-v1`, then the previous hash as its 64 hex
/// characters (64 `0`s before the first entry), then `seq` and `time` as 8-byte big-endian
/// integers, then each text field in a fixed order — actor kind, user id, key id, dashboard admin
/// id, ip, action, target, request id — as `0x00` when absent or `0x01`, a 4-byte big-endian byte
/// length and the UTF-8 bytes, then the number of details (4 bytes) and each detail's key and value
/// as present fields, keys sorted by their UTF-8 bytes. Lengths make the encoding unambiguous:
/// no two different entries encode alike.
enum AuditChain {
    /// The "previous hash" of the first entry ever written.
    static let genesis = String(repeating: "0", count: 64)
    private static let tag = Array("appbase-audit-v1".utf8)

    /// The hash `entry` must carry when the entry before it has hash `previous`.
    ///
    /// Runs for every append on the writer thread: one buffer, fields appended one by one (no
    /// intermediate arrays), and the sort only when there are details.
    static func hash(of entry: AuditEntry, previous: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(384)
        bytes.append(contentsOf: tag)
        bytes.append(contentsOf: previous.utf8)
        append(UInt64(bitPattern: entry.seq), to: &bytes)
        append(UInt64(bitPattern: entry.time), to: &bytes)
        append(entry.actorKind, to: &bytes)
        append(entry.userID, to: &bytes)
        append(entry.keyID, to: &bytes)
        append(entry.adminID, to: &bytes)
        append(entry.ip, to: &bytes)
        append(entry.action, to: &bytes)
        append(entry.target, to: &bytes)
        append(entry.requestID, to: &bytes)
        append(UInt32(truncatingIfNeeded: entry.details.count), to: &bytes)
        if !entry.details.isEmpty {
            for (key, value) in entry.details.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                append(key, to: &bytes)
                append(value, to: &bytes)
            }
        }
        return hex(SHA256.hash(data: bytes))
    }

    private static func append(_ text: String?, to bytes: inout [UInt8]) {
        guard let text else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        append(UInt32(truncatingIfNeeded: text.utf8.count), to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ digest: SHA256.Digest) -> String {
        String(unsafeUninitializedCapacity: 64) { text in
            var index = 0
            for byte in digest {
                text[index] = digits[Int(byte >> 4)]
                text[index + 1] = digits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }
}
