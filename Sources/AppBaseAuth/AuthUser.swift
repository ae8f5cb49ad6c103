import AppBaseCore

/// A user as the API shows it (never the password hash).
struct AuthUser: Sendable, Hashable {
    var id: String
    /// Normalised (trimmed, lowercased).
    var email: String
    /// Unix milliseconds.
    var createdAt: Int64
    var updatedAt: Int64
    var disabledAt: Int64?

    var isDisabled: Bool { disabledAt != nil }

    /// `{"id","email","createdAt"}`: the shape of `user` in register, login, refresh and me.
    func json() -> JSONValue {
        ["id": .string(id), "email": .string(email), "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt))]
    }

    /// The admin view: the public fields plus `updatedAt` and `disabled`.
    func adminJSON() -> JSONValue {
        [
            "id": .string(id), "email": .string(email),
            "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt)),
            "updatedAt": .string(Timestamp.rfc3339(milliseconds: updatedAt)),
            "disabled": .bool(isDisabled),
        ]
    }
}

/// A user with the stored password hash, for the login path only.
struct UserCredentials: Sendable {
    var user: AuthUser
    /// Argon2id PHC string.
    var passwordHash: String
}
