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
    private let buffer = Mutex<[UInt8]>([])
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

    /// Buffers one line (called on the loop thread).
    func record(request: HTTPRequest, status: Int, bytes: Int) {
        guard enabled else { return }
        let micros = (MonotonicTime.nanoseconds() &- request.startedAt) / 1000
        var line: [UInt8] = []
        line.reserveCapacity(160)
        switch format {
        case .text:
            // Formatted byte by byte: no String building on the loop per request.
            var stamp = [UInt8](repeating: 0, count: 24)
            Timestamp.write(milliseconds: SystemWallClock().nowMilliseconds(), into: &stamp)
            line.append(contentsOf: stamp)
            line.append(32)
            line.append(contentsOf: request.methodName.utf8)
            line.append(32)
            appendSafe(request.path, to: &line)
            line.append(32)
            appendDecimal(UInt64(status), to: &line)
            line.append(32)
            appendDecimal(UInt64(bytes), to: &line)
            line.append(contentsOf: [66, 32])  // "B "
            appendDecimal(micros / 1000, to: &line)
            line.append(46)  // "."
            let fraction = micros % 1000
            line.append(UInt8(48 + fraction / 100))
            line.append(UInt8(48 + fraction / 10 % 10))
            line.append(UInt8(48 + fraction % 10))
            line.append(contentsOf: AccessLog.ridPrefix)
            line.append(contentsOf: request.requestID.utf8)
            line.append(contentsOf: AccessLog.ipPrefix)
            line.append(contentsOf: request.remoteAddress.utf8)
            line.append(10)
        case .json:
            let value: JSONValue = [
                "ts": .string(Timestamp.rfc3339(milliseconds: SystemWallClock().nowMilliseconds())),
                "method": .string(request.methodName), "path": .string(request.path),
                "status": .int(Int64(status)), "bytes": .int(Int64(bytes)),
                "durationMs": .double(Double(micros) / 1000), "requestId": .string(request.requestID),
                "ip": .string(request.remoteAddress),
            ]
            value.serialize(into: &line)
            line.append(10)
        }
        buffer.withLock { $0.append(contentsOf: line) }
    }

    /// Writes what is buffered; run once per loop turn.
    func flush() {
        let pending = buffer.withLock { buffer -> [UInt8] in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        guard !pending.isEmpty else { return }
        pending.withUnsafeBytes { raw in
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

    private static let ridPrefix = Array("ms rid=".utf8)
    private static let ipPrefix = Array(" ip=".utf8)

    private func appendDecimal(_ value: UInt64, to line: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var remaining = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(48 + remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
            for index in stride(from: count - 1, through: 0, by: -1) { line.append(buffer[index]) }
        }
    }

    private func appendSafe(_ text: String, to line: inout [UInt8]) {
        for byte in text.utf8 { line.append(byte < 0x20 || byte == 0x7F ? UInt8(ascii: "?") : byte) }
    }
}

extension String {
    /// Three digits, zero-padded.
    init(format3 value: Int) {
        let digits = String(value)
        self = String(repeating: "0", count: Swift.max(0, 3 - digits.count)) + digits
    }
}
