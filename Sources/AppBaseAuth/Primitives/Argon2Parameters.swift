import CSodium

/// The cost of one Argon2id password hash: passes over memory (`opsLimit`, Argon2's `t`) and memory in
/// bytes (`memLimitBytes`; Argon2's `m` is this in KiB). libsodium always uses one lane (`p = 1`).
///
/// Both numbers are written into every encoded hash (`$argon2id$v=19$m=32768,t=2,p=1$…`), so changing
/// the configured parameters never breaks old hashes: `PasswordHasher.needsRehash` spots them and the
/// login path re-hashes the password it has just verified. The choice of `.default` and the
/// measurements behind it are in docs/adr/0006-argon2id-parameters.md.
package struct Argon2Parameters: Sendable, Hashable, CustomStringConvertible {
    /// Passes over memory (Argon2 `t`); at least 1.
    package let opsLimit: UInt64
    /// Memory per hash in bytes; a multiple of 1024, at least 8 KiB. One hash holds this much while it runs.
    package let memLimitBytes: Int

    /// Validates and creates a parameter set.
    /// - Throws: `PasswordHashError.invalidParameters` if `opsLimit` is 0 or `memLimitBytes` is below
    ///   8 KiB, above 4 TiB or not a whole number of KiB (the encoded hash stores KiB, so anything else
    ///   could never compare equal in `needsRehash`).
    package init(opsLimit: UInt64, memLimitBytes: Int) throws(PasswordHashError) {
        guard opsLimit >= UInt64(crypto_pwhash_argon2id_OPSLIMIT_MIN), opsLimit <= UInt64(UInt32.max),
              memLimitBytes >= Int(crypto_pwhash_argon2id_MEMLIMIT_MIN), memLimitBytes <= (1 << 42),
              memLimitBytes % 1024 == 0
        else { throw .invalidParameters }
        self.init(checkedOps: opsLimit, memLimitBytes: memLimitBytes)
    }

    /// For the constants below, whose values are known to be valid.
    private init(checkedOps opsLimit: UInt64, memLimitBytes: Int) {
        self.opsLimit = opsLimit
        self.memLimitBytes = memLimitBytes
    }

    /// The server's default: m = 32 MiB, t = 2, p = 1 — above OWASP's Argon2id minimum
    /// (m = 19 MiB, t = 2, p = 1) in memory at equal passes; about 40 ms per hash on a 2-core server.
    package static let `default` = Argon2Parameters(checkedOps: 2, memLimitBytes: 32 << 20)

    /// OWASP's Password Storage Cheat Sheet minimum for Argon2id: m = 19 MiB, t = 2, p = 1.
    package static let owaspMinimum = Argon2Parameters(checkedOps: 2, memLimitBytes: 19 << 20)

    /// libsodium's INTERACTIVE limits: m = 64 MiB, t = 2 (about 100 ms here; see ADR 0006).
    package static let sodiumInteractive = Argon2Parameters(checkedOps: 2, memLimitBytes: 64 << 20)

    /// The cheapest parameters libsodium accepts (t = 1, m = 8 KiB). For tests only: never for real passwords.
    package static let insecureTestingOnly = Argon2Parameters(checkedOps: 1, memLimitBytes: 8 << 10)

    /// Argon2's own notation, e.g. `m=32768,t=2,p=1` (m in KiB), as in the encoded hash.
    package var description: String {
        "m=\(memLimitBytes / 1024),t=\(opsLimit),p=1"
    }
}
