import CSodium

/// Calls `sodium_init()` exactly once per process before any libsodium primitive is used.
///
/// `sodium_init` picks the fastest Argon2 and memcmp implementations for this CPU and seeds the
/// random generator, so every wrapper in this folder calls `ensureInitialized()` first. The result is a
/// `static let`, which Swift initialises lazily and atomically (`swift_once`): concurrent first callers
/// block until one of them has run `sodium_init`, and later calls cost one load and branch.
enum SodiumRuntime {
    /// True once `sodium_init` has succeeded (it returns 0 the first time, 1 if already initialised).
    private static let initialized: Bool = sodium_init() >= 0

    /// Initialises libsodium if that has not happened yet; stops the process if it cannot be initialised,
    /// since running without a working random source or hash implementation is never safe.
    @inline(__always)
    static func ensureInitialized() {
        precondition(initialized, "libsodium could not be initialised")
    }
}
