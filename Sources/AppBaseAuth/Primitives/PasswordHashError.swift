/// Why a password could not be hashed. Messages and codes never contain the password or the hash.
package enum PasswordHashError: Error, Hashable, Sendable {
    /// The password has fewer UTF-8 bytes than `PasswordHasher.minimumPasswordBytes`.
    case passwordTooShort(minimumBytes: Int)
    /// The password has more UTF-8 bytes than `PasswordHasher.maximumPasswordBytes`.
    case passwordTooLong(maximumBytes: Int)
    /// The Argon2 parameters are outside what libsodium accepts (see `Argon2Parameters.init`).
    case invalidParameters
    /// libsodium failed to hash, which in practice means it could not allocate the Argon2 memory.
    case hashingFailed

    /// A stable machine-readable code for the error body.
    package var code: String {
        switch self {
        case .passwordTooShort: "password_too_short"
        case .passwordTooLong: "password_too_long"
        case .invalidParameters: "invalid_password_hash_parameters"
        case .hashingFailed: "password_hashing_failed"
        }
    }
}
