import CSodium

/// Comparisons whose running time does not depend on where two secrets differ.
///
/// Use it for every comparison of a MAC, a token hash or any other value an attacker may try to guess
/// byte by byte. Lengths are not secret here (signatures and hashes have fixed lengths), so a length
/// mismatch answers `false` at once, without looking at the contents.
package enum ConstantTime {
    /// True when `a` and `b` hold the same bytes; the content comparison is `sodium_memcmp`, which
    /// reads every byte whatever the first difference.
    package static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        if let result = a.withContiguousStorageIfAvailable({ left in
            b.withContiguousStorageIfAvailable { right in equals(left, right) }
        }), let result {
            return result
        }
        return Array(a).withUnsafeBufferPointer { left in
            Array(b).withUnsafeBufferPointer { right in equals(left, right) }
        }
    }

    /// The buffer form of `equals`; the buffers' lengths are compared first, as above.
    package static func equals(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let left = a.baseAddress, let right = b.baseAddress else { return true }  // both empty
        SodiumRuntime.ensureInitialized()
        return sodium_memcmp(left, right, a.count) == 0
    }
}
