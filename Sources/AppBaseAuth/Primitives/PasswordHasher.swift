import AppBaseCore
import CSodium
import Synchronization

/// Argon2id password hashing through libsodium (`crypto_pwhash_str_alg`, `crypto_pwhash_str_verify`,
/// `crypto_pwhash_str_needs_rehash`), producing PHC strings such as `$argon2id$v=19$m=32768,t=2,p=1$…`.
///
/// Every call blocks its thread for the whole Argon2 run (tens of milliseconds and `memLimitBytes` of
/// memory): callers run it off the HTTP loop and bound how many run at once.
///
/// An instance fixes the parameters and holds a `dummyHash` made with them, so a login for an unknown
/// email can call `verifyDummy(_:)` and spend the same time as a real verification.
package struct PasswordHasher: Sendable {
    /// Fewest UTF-8 bytes accepted for a new password.
    package static let minimumPasswordBytes = 8
    /// Most UTF-8 bytes accepted for a new password; also the most `verify` will look at, which bounds the
    /// work an anonymous caller can cause.
    package static let maximumPasswordBytes = 1024

    /// The parameters new hashes are made with and `needsRehash` compares against.
    package let parameters: Argon2Parameters
    /// A hash of a random password nobody knows, made with `parameters`; see `verifyDummy(_:)`.
    package let dummyHash: String

    /// Creates a hasher with the process's dummy hash for `parameters`, computed (one Argon2 run)
    /// by the first hasher with these parameters.
    /// - Throws: `PasswordHashError.hashingFailed` if libsodium cannot hash (out of memory).
    package init(parameters: Argon2Parameters = .default) throws(PasswordHashError) {
        self.parameters = parameters
        self.dummyHash = try Self.sharedDummyHash(for: parameters)
    }

    /// Dummy hashes by parameters, shared by every app of the process: each app's start made one
    /// before, one Argon2 run after the other on the shared pool, which was most of the start-up
    /// time of 100 apps. Nobody knows their passwords in any app, so one per parameter set is
    /// as good as one per app; the timing they equalise is the same.
    private static let dummyHashes = Mutex<[Argon2Parameters: String]>([:])

    /// The dummy hash for `parameters`, made once per process (two first callers racing both
    /// compute one; the first stored wins).
    package static func sharedDummyHash(for parameters: Argon2Parameters) throws(PasswordHashError) -> String {
        if let known = dummyHashes.withLock({ $0[parameters] }) { return known }
        let made = try dummyHash(for: parameters)
        return dummyHashes.withLock { hashes in
            if let first = hashes[parameters] { return first }
            hashes[parameters] = made
            return made
        }
    }

    /// Hashes a new password with this hasher's parameters.
    /// - Throws: `.passwordTooShort` / `.passwordTooLong` before any hashing, `.hashingFailed` if libsodium fails.
    package func hash(_ password: String) throws(PasswordHashError) -> String {
        try Self.hash(password, parameters: parameters)
    }

    /// True when `password` matches `encodedHash`; see `verify(_:against:)`.
    package func verify(_ password: String, against encodedHash: String) -> Bool {
        Self.verify(password, against: encodedHash)
    }

    /// True when `encodedHash` was made with other parameters (or another algorithm) than this hasher's.
    package func needsRehash(_ encodedHash: String) -> Bool {
        Self.needsRehash(encodedHash, parameters: parameters)
    }

    /// Runs a verification against `dummyHash` and discards the answer, so that "no such user" costs
    /// the same time as "wrong password" and does not reveal which emails exist.
    package func verifyDummy(_ password: String) {
        _ = Self.verify(password, against: dummyHash)
    }

    /// Hashes `password` with Argon2id and `parameters`, after checking its length in UTF-8 bytes.
    /// - Throws: `.passwordTooShort` / `.passwordTooLong` before any hashing, `.hashingFailed` if libsodium fails.
    package static func hash(_ password: String, parameters: Argon2Parameters) throws(PasswordHashError) -> String {
        let length = password.utf8.count
        guard length >= minimumPasswordBytes else { throw .passwordTooShort(minimumBytes: minimumPasswordBytes) }
        guard length <= maximumPasswordBytes else { throw .passwordTooLong(maximumBytes: maximumPasswordBytes) }
        return try hash(utf8Count: length, password: password, parameters: parameters)
    }

    /// True when `password` matches `encodedHash` (any Argon2 PHC string libsodium understands, whatever
    /// its parameters). A password longer than `maximumPasswordBytes`, or a malformed hash, is simply
    /// `false`; no minimum is applied, so raising the minimum later does not lock out existing users.
    package static func verify(_ password: String, against encodedHash: String) -> Bool {
        let length = password.utf8.count
        guard length <= maximumPasswordBytes, encodedHash.utf8.count < Int(crypto_pwhash_STRBYTES) else { return false }
        SodiumRuntime.ensureInitialized()
        return encodedHash.withCString { hashPointer in
            password.withCString { passwordPointer in
                crypto_pwhash_str_verify(hashPointer, passwordPointer, UInt64(length)) == 0
            }
        }
    }

    /// True when `encodedHash` should be replaced: it records other parameters than `parameters`, is not
    /// Argon2id, or cannot be parsed.
    package static func needsRehash(_ encodedHash: String, parameters: Argon2Parameters) -> Bool {
        guard encodedHash.utf8.count < Int(crypto_pwhash_STRBYTES) else { return true }
        SodiumRuntime.ensureInitialized()
        return encodedHash.withCString { hashPointer in
            crypto_pwhash_str_needs_rehash(hashPointer, parameters.opsLimit, parameters.memLimitBytes) != 0
        }
    }

    /// Makes a hash of 32 random bytes (spelt in base64url, so a valid-length password) with `parameters`.
    /// Nobody knows the password, so verifying anything against it is `false`, in the time of a real check.
    /// - Throws: `.hashingFailed` if libsodium fails.
    package static func dummyHash(for parameters: Argon2Parameters) throws(PasswordHashError) -> String {
        let password = Base64URL.encode(SecureRandom.bytes(count: 32))
        return try hash(utf8Count: password.utf8.count, password: password, parameters: parameters)
    }

    /// The libsodium call; the length checks have been done by the caller.
    private static func hash(utf8Count: Int, password: String, parameters: Argon2Parameters) throws(PasswordHashError) -> String {
        SodiumRuntime.ensureInitialized()
        let capacity = Int(crypto_pwhash_STRBYTES)
        var failed = false
        // crypto_pwhash_str_alg writes a NUL-terminated ASCII string of at most STRBYTES bytes.
        let encoded = String(unsafeUninitializedCapacity: capacity) { output in
            output.initialize(repeating: 0)
            let status = output.withMemoryRebound(to: CChar.self) { characters -> Int32 in
                guard let out = characters.baseAddress else { return -1 }
                return password.withCString { passwordPointer in
                    crypto_pwhash_str_alg(
                        out, passwordPointer, UInt64(utf8Count),
                        parameters.opsLimit, parameters.memLimitBytes, crypto_pwhash_ALG_ARGON2ID13
                    )
                }
            }
            guard status == 0, let end = output.firstIndex(of: 0) else {
                failed = true
                return 0
            }
            return end
        }
        if failed { throw .hashingFailed }
        return encoded
    }
}
