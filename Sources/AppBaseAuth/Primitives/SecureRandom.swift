import CSodium

/// Cryptographically secure random bytes from libsodium's `randombytes_buf` (the kernel's
/// `getrandom(2)` on Linux).
///
/// Use it for every secret the server makes: token bytes, key material, salts, JWT ids. Never use
/// `SystemRandomNumberGenerator` or a seeded generator for secrets in this module, so there is one
/// audited source.
package enum SecureRandom {
    /// Returns `count` random bytes.
    package static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Overwrites every byte of `buffer` with random bytes.
    package static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        SodiumRuntime.ensureInitialized()
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        randombytes_buf(base, buffer.count)
    }

    /// A uniformly distributed integer in `0..<upperBound` (no modulo bias), e.g. for numeric codes.
    package static func uniform(below upperBound: UInt32) -> UInt32 {
        precondition(upperBound > 0, "upper bound must be positive")
        SodiumRuntime.ensureInitialized()
        return randombytes_uniform(upperBound)
    }
}
