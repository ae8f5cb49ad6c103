/// Why an access token was refused. Deliberately coarse: the client learns only whether refreshing
/// could help (`expired`) or not (`invalid`), never which check failed.
package enum JWTError: Error, Hashable, Sendable {
    /// Malformed, not HS256, wrong signature, unparseable or incomplete claims, or another app's token.
    case invalid
    /// Correctly signed for this app, but `exp` has passed. Only reported after the signature checked out.
    case expired

    /// A stable machine-readable code for the error body.
    package var code: String {
        switch self {
        case .invalid: "invalid_token"
        case .expired: "token_expired"
        }
    }
}
