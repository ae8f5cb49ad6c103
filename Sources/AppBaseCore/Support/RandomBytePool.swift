import Glibc
import Synchronization

/// Random bytes from the kernel's CSPRNG, fetched 4 KiB at a time and handed out
/// in order, each byte once: an identifier's randomness costs a copy, not a system call.
///
/// For identifiers only: they are public once made, so bytes waiting in the pool guard nothing
/// that a client could not see later anyway. Keys, tokens and salts come from their own
/// generators.
public final class RandomBytePool: Sendable {
    /// The pool `Identifier` draws from.
    public static let shared = RandomBytePool()

    private static let capacity = 4096
    private let state = Mutex(State())

    private struct State {
        var bytes = [UInt8](repeating: 0, count: RandomBytePool.capacity)
        var next = RandomBytePool.capacity
        /// `/dev/urandom`, opened on first use and kept for the process's life.
        var device: Int32?
    }

    public init() {}

    /// Fills `buffer` with bytes not handed out before.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var written = 0
        state.withLock { state in
            while written < buffer.count {
                if state.next == state.bytes.count {
                    Self.refill(&state.bytes, from: &state.device)
                    state.next = 0
                }
                let count = min(buffer.count - written, state.bytes.count - state.next)
                state.bytes.withUnsafeBytes { source in
                    guard let from = source.baseAddress, let to = buffer.baseAddress else { return }
                    (to + written).copyMemory(from: from + state.next, byteCount: count)
                }
                state.next += count
                written += count
            }
        }
    }

    /// Fills `buffer` from the kernel's CSPRNG: `/dev/urandom` (the same generator as
    /// `getrandom`, which Glibc's module map does not export), read through a descriptor kept
    /// open; the standard generator when the device cannot be read (a bare chroot).
    private static func refill(_ bytes: inout [UInt8], from device: inout Int32?) {
        if device == nil { device = openDevice() }
        var filled = 0
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while let descriptor = device, filled < buffer.count {
                let result = read(descriptor, base + filled, buffer.count - filled)
                if result > 0 {
                    filled += result
                } else if !(result < 0 && errno == EINTR) {
                    break
                }
            }
        }
        guard filled < bytes.count else { return }
        var generator = SystemRandomNumberGenerator()
        for index in filled..<bytes.count { bytes[index] = generator.next() }
    }

    private static func openDevice() -> Int32? {
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        return descriptor >= 0 ? descriptor : nil
    }
}
