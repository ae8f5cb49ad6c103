import AppBaseCore
import AppBaseHTTP

/// A small JSON object body of an auth route, read up to `limit` bytes, with typed field access whose
/// errors name the field but never echo its value (it may be a password or a token).
struct AuthRequestBody: Sendable {
    /// Auth bodies are tiny: an email, a password of at most 1024 bytes, a token.
    static let limit = 8 * 1024

    /// The parsed body; always an object.
    let object: JSONValue

    /// Reads and parses the body.
    /// - Throws: 413 beyond `limit`, 400 `invalid_json` when it is not JSON, 400 `bad_request` when it
    ///   is not an object.
    static func read(_ request: HTTPRequest) async throws -> AuthRequestBody {
        let bytes = try await request.body.collect(upTo: limit)
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, maxDepth: 4)
        } catch {
            throw error.appBaseError
        }
        guard value.objectValue != nil else { throw AppBaseError.badRequest("The body must be a JSON object.") }
        return AuthRequestBody(object: value)
    }

    /// A required string member.
    /// - Throws: 400 `validation_failed` naming `field` when it is missing or not a string.
    func string(_ field: String) throws -> String {
        guard let value = object[field] else { throw AppBaseError.validation("\(field) is required.", field: field) }
        guard let text = value.stringValue else { throw AppBaseError.validation("\(field) must be a string.", field: field) }
        return text
    }

    /// A required boolean member.
    /// - Throws: 400 `validation_failed` naming `field` when it is missing or not a boolean.
    func bool(_ field: String) throws -> Bool {
        guard let value = object[field] else { throw AppBaseError.validation("\(field) is required.", field: field) }
        guard let flag = value.boolValue else { throw AppBaseError.validation("\(field) must be true or false.", field: field) }
        return flag
    }

    /// The normalised `email` member.
    /// - Throws: 400 `validation_failed` (field `email`) when missing or not shaped like an address.
    func email() throws -> String {
        guard let email = EmailAddress.normalize(try string("email")) else {
            throw AppBaseError.validation("email is not a valid email address.", field: "email")
        }
        return email
    }

    /// A `password` member for a new password: 8…1024 UTF-8 bytes (longer is refused before any
    /// hashing, so a huge password cannot be used to make the server work).
    /// - Throws: 400 `validation_failed` (field `password`).
    func newPassword() throws -> String {
        let password = try string("password")
        let count = password.utf8.count
        guard count >= PasswordHasher.minimumPasswordBytes else {
            throw AppBaseError.validation("password must be at least \(PasswordHasher.minimumPasswordBytes) bytes.", field: "password")
        }
        guard count <= PasswordHasher.maximumPasswordBytes else {
            throw AppBaseError.validation("password must be at most \(PasswordHasher.maximumPasswordBytes) bytes.", field: "password")
        }
        return password
    }

    /// A `password` member presented at login: at most 1024 bytes, no minimum (a later, higher minimum
    /// must not lock out existing users).
    /// - Throws: 400 `validation_failed` (field `password`).
    func presentedPassword() throws -> String {
        let password = try string("password")
        guard password.utf8.count <= PasswordHasher.maximumPasswordBytes else {
            throw AppBaseError.validation("password must be at most \(PasswordHasher.maximumPasswordBytes) bytes.", field: "password")
        }
        return password
    }
}
