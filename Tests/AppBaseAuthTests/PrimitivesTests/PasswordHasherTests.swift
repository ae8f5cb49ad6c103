import Testing
@testable import AppBaseAuth

@Suite("PasswordHasher")
struct PasswordHasherTests {
    /// Cheap parameters keep the suite fast; the default set is exercised once below.
    let fast = Argon2Parameters.insecureTestingOnly

    @Test("hash then verify accepts the right password and refuses others")
    func hashAndVerify() throws {
        let hash = try PasswordHasher.hash("correct horse battery", parameters: fast)
        #expect(hash.hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"))
        #expect(PasswordHasher.verify("correct horse battery", against: hash))
        #expect(!PasswordHasher.verify("correct horse batterY", against: hash))
        #expect(!PasswordHasher.verify("", against: hash))
    }

    @Test("every byte counts, including an embedded NUL")
    func embeddedNUL() throws {
        let hash = try PasswordHasher.hash("abcd\u{0}efgh", parameters: fast)
        #expect(PasswordHasher.verify("abcd\u{0}efgh", against: hash))
        #expect(!PasswordHasher.verify("abcd", against: hash))
        #expect(!PasswordHasher.verify("abcd\u{0}efgX", against: hash))
    }

    @Test("the same password hashes differently each time (random salt)")
    func saltedHashes() throws {
        let first = try PasswordHasher.hash("same password", parameters: fast)
        let second = try PasswordHasher.hash("same password", parameters: fast)
        #expect(first != second)
    }

    @Test("the default parameters are recorded in the encoded hash")
    func defaultParametersEncoded() throws {
        let hasher = try PasswordHasher()
        let hash = try hasher.hash("a default-cost password")
        #expect(hash.hasPrefix("$argon2id$v=19$m=32768,t=2,p=1$"))
        #expect(hasher.verify("a default-cost password", against: hash))
        #expect(!hasher.needsRehash(hash))
    }

    @Test("verifies the Argon2 reference implementation's documented Argon2id example")
    func referenceVector() {
        // From the phc-winner-argon2 README: `echo -n "password" | ./argon2 somesalt -t 2 -m 16 -p 1 -id`.
        let encoded = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
        #expect(PasswordHasher.verify("password", against: encoded))
        #expect(!PasswordHasher.verify("passwore", against: encoded))
    }

    @Test("7 bytes is too short; 8 is accepted")
    func minimumLength() throws {
        #expect(throws: PasswordHashError.passwordTooShort(minimumBytes: 8)) {
            try PasswordHasher.hash("1234567", parameters: fast)
        }
        #expect(throws: PasswordHashError.passwordTooShort(minimumBytes: 8)) {
            try PasswordHasher.hash("", parameters: fast)
        }
        _ = try PasswordHasher.hash("12345678", parameters: fast)
    }

    @Test("length is counted in UTF-8 bytes, not characters")
    func lengthInBytes() throws {
        #expect(throws: PasswordHashError.passwordTooShort(minimumBytes: 8)) {
            try PasswordHasher.hash("ééé", parameters: fast)  // 3 characters, 6 bytes
        }
        _ = try PasswordHasher.hash("éééé", parameters: fast)  // 4 characters, 8 bytes
    }

    @Test("1024 bytes is accepted; 1025 is too long")
    func maximumLength() throws {
        let longest = String(repeating: "a", count: 1024)
        let hash = try PasswordHasher.hash(longest, parameters: fast)
        #expect(PasswordHasher.verify(longest, against: hash))
        #expect(throws: PasswordHashError.passwordTooLong(maximumBytes: 1024)) {
            try PasswordHasher.hash(longest + "a", parameters: fast)
        }
    }

    @Test("verify refuses an over-long password without hashing it")
    func verifyOverLong() throws {
        let hash = try PasswordHasher.hash("12345678", parameters: fast)
        #expect(!PasswordHasher.verify(String(repeating: "a", count: 1025), against: hash))
    }

    @Test("verify refuses malformed hashes", arguments: [
        "", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$", "$argon2id$v=19$m=8,t=1,p=1$AAAA$AAAA",
        String(repeating: "$", count: 300),
    ])
    func malformedHash(_ encoded: String) {
        #expect(!PasswordHasher.verify("12345678", against: encoded))
    }

    @Test("needsRehash is false for the same parameters and true for others or garbage")
    func needsRehash() throws {
        let hash = try PasswordHasher.hash("rehash me please", parameters: fast)
        #expect(!PasswordHasher.needsRehash(hash, parameters: fast))
        #expect(PasswordHasher.needsRehash(hash, parameters: .default))
        #expect(PasswordHasher.needsRehash(hash, parameters: try Argon2Parameters(opsLimit: 2, memLimitBytes: 8192)))
        #expect(PasswordHasher.needsRehash(hash, parameters: try Argon2Parameters(opsLimit: 1, memLimitBytes: 16384)))
        #expect(PasswordHasher.needsRehash("garbage", parameters: fast))
    }

    @Test("the dummy hash uses the hasher's parameters and matches no likely password")
    func dummyHash() throws {
        let hasher = try PasswordHasher(parameters: fast)
        #expect(hasher.dummyHash.hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"))
        #expect(!hasher.needsRehash(hasher.dummyHash))
        #expect(!hasher.verify("12345678", against: hasher.dummyHash))
        #expect(!hasher.verify("", against: hasher.dummyHash))
        hasher.verifyDummy("any password at all")
        #expect(try PasswordHasher.dummyHash(for: fast) != hasher.dummyHash)
    }

    @Test("hashers with the same parameters share one dummy hash, other parameters get their own")
    func sharedDummyHash() throws {
        // Each app's AuthService makes a hasher at start: with 100 apps that was 100 Argon2 runs.
        let first = try PasswordHasher(parameters: fast)
        let second = try PasswordHasher(parameters: fast)
        #expect(first.dummyHash == second.dummyHash)
        let other = try Argon2Parameters(opsLimit: 2, memLimitBytes: 8 * 1024)
        let third = try PasswordHasher(parameters: other)
        #expect(third.dummyHash != first.dummyHash)
        #expect(third.dummyHash.hasPrefix("$argon2id$v=19$m=8,t=2,p=1$"))
    }

    @Test("parameters are validated")
    func parameterValidation() throws {
        #expect(throws: PasswordHashError.invalidParameters) { try Argon2Parameters(opsLimit: 0, memLimitBytes: 1 << 20) }
        #expect(throws: PasswordHashError.invalidParameters) { try Argon2Parameters(opsLimit: 2, memLimitBytes: 4096) }
        #expect(throws: PasswordHashError.invalidParameters) { try Argon2Parameters(opsLimit: 2, memLimitBytes: (1 << 20) + 1) }
        let valid = try Argon2Parameters(opsLimit: 2, memLimitBytes: 19 << 20)
        #expect(valid == .owaspMinimum)
        #expect(valid.description == "m=19456,t=2,p=1")
    }

    @Test("the default is at least OWASP's Argon2id minimum")
    func defaultMeetsOWASP() {
        #expect(Argon2Parameters.default.memLimitBytes >= Argon2Parameters.owaspMinimum.memLimitBytes)
        #expect(Argon2Parameters.default.opsLimit >= Argon2Parameters.owaspMinimum.opsLimit)
    }

    @Test("errors have stable codes")
    func errorCodes() {
        #expect(PasswordHashError.passwordTooShort(minimumBytes: 8).code == "password_too_short")
        #expect(PasswordHashError.passwordTooLong(maximumBytes: 1024).code == "password_too_long")
    }
}
