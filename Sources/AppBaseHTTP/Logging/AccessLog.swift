import AppBaseCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One line per request — method, path (query dropped), status, bytes, duration, request id —
/// in text or JSON. Lines are buffered and written with one `write(2)` per loop turn, so the
/// loop never takes a lock or makes a syscall per request.
public final class AccessLog: Sendable {
    /// Output format.
    public enum Format: String, Sendable { case text, json }

    private let format: Format
    private let descriptor: Int32
    private let enabled: Bool
    /// Lines not yet written, and the last timestamp formatted (reused within a millisecond).
    private struct Pending {
        var bytes: [UInt8] = []
        var stampMillis: Int64 = -1
        var stamp = [UInt8](repeating: 0, count: 24)
    }

    /// Touched on the loop thread only (record and flush both run there); the lock is
    /// uncontended and makes the type `Sendable` without unsafe code.
    private let pending = Mutex(Pending())
    private let appName: String

    /// - Parameters:
    ///   - descriptor: where lines go (stderr by default).
    ///   - enabled: false silences the log (tests, benchmarks that say so).
    public init(format: Format = .text, descriptor: Int32 = 2, enabled: Bool = true, appName: String = "appbase") {
        self.format = format
        self.descriptor = descriptor
        self.enabled = enabled
        self.appName = appName
    }

    /// Buffers one line (called on the loop thread), formatted straight into the pending bytes.
    func record(request: HTTPRequest, status: Int, bytes: Int) {
        guard enabled else { return }
        let micros = (MonotonicTime.nanoseconds() &- request.startedAt) / 1000
        let now = SystemWallClock().nowMilliseconds()
        pending.withLock { pending in
            switch format {
            case .text:
                // Formatted byte by byte: no String building on the loop per request.
                if now != pending.stampMillis {
                    pending.stampMillis = now
                    Timestamp.write(milliseconds: now, into: &pending.stamp)
                }
                pending.bytes.append(contentsOf: pending.stamp)
                pending.bytes.append(32)
                pending.bytes.append(contentsOf: request.methodName.utf8)
                pending.bytes.append(32)
                appendSafe(request.path, to: &pending.bytes)
                pending.bytes.append(32)
                ASCII.appendDecimal(UInt64(status), to: &pending.bytes)
                pending.bytes.append(32)
                ASCII.appendDecimal(UInt64(bytes), to: &pending.bytes)
                pending.bytes.append(contentsOf: AccessLog.bytesSuffix)
                ASCII.appendDecimal(micros / 1000, to: &pending.bytes)
                pending.bytes.append(46)  // "."
                let fraction = micros % 1000
                pending.bytes.append(UInt8(48 + fraction / 100))
                pending.bytes.append(UInt8(48 + fraction / 10 % 10))
                pending.bytes.append(UInt8(48 + fraction % 10))
                pending.bytes.append(contentsOf: AccessLog.ridPrefix)
                pending.bytes.append(contentsOf: request.requestID.utf8)
                pending.bytes.append(contentsOf: AccessLog.ipPrefix)
                pending.bytes.append(contentsOf: request.remoteAddress.utf8)
                pending.bytes.append(10)
            case .json:
                let value: JSONValue = [
                    "ts": .string(Timestamp.rfc3339(milliseconds: now)),
                    "method": .string(request.methodName), "path": .string(request.path),
                    "status": .int(Int64(status)), "bytes": .int(Int64(bytes)),
                    "durationMs": .double(Double(micros) / 1000), "requestId": .string(request.requestID),
                    "ip": .string(request.remoteAddress),
                ]
                value.serialize(into: &pending.bytes)
                pending.bytes.append(10)
            }
        }
    }

    /// Writes what is buffered; run once per loop turn.
    func flush() {
        pending.withLock { pending in
            guard !pending.bytes.isEmpty else { return }
            writeAll(pending.bytes)
            pending.bytes.removeAll(keepingCapacity: true)
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, base + offset, raw.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    private static let bytesSuffix = Array("B ".utf8)
    private static let ridPrefix = Array("ms rid=".utf8)
    private static let ipPrefix = Array(" ip=".utf8)

    private func appendSafe(_ text: String, to line: inout [UInt8]) {
        let isSafe = { (byte: UInt8) in byte >= 0x20 && byte != 0x7F }
        // Nearly every path and address is already safe: one scan, then one append.
        if text.utf8.withContiguousStorageIfAvailable({ $0.allSatisfy(isSafe) }) == true {
            line.append(contentsOf: text.utf8)
            return
        }
        for byte in text.utf8 { line.append(isSafe(byte) ? byte : UInt8(ascii: "?")) }
    }
}

extension String {
    /// Three digits, zero-padded.
    init(format3 value: Int) {
        let digits = String(value)
        self = String(repeating: "0", count: Swift.max(0, 3 - digits.count)) + digits
    }
}
