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
    static func hash(of entry: AuditEntry, previous: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: tag)
        bytes.append(contentsOf: previous.utf8)
        append(UInt64(bitPattern: entry.seq), to: &bytes)
        append(UInt64(bitPattern: entry.time), to: &bytes)
        for field in [entry.actorKind, entry.userID, entry.keyID, entry.adminID, entry.ip, entry.action, entry.target,
                      entry.requestID] {
            append(field, to: &bytes)
        }
        let details = entry.details.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        append(UInt32(truncatingIfNeeded: details.count), to: &bytes)
        for (key, value) in details {
            append(key, to: &bytes)
            append(value, to: &bytes)
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
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
