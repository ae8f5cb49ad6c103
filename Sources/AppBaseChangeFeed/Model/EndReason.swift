import AppBaseCore
import OrderedCollections

/// Why a stream ends, and the last event it sends (if any).
enum EndReason: Sendable, Equatable {
    /// The user's access token expired → `event: auth_expired`.
    case authExpired
    /// The session was revoked, the user disabled, the key revoked (`code` from the
    /// `IdentityValidator`) or the collection's read rule changed (`rules_changed`)
    /// → `event: auth_revoked`.
    case authRevoked(code: String)
    /// The client fell more than the buffer behind: the connection is closed abortively.
    case overflow
    /// The service is shutting down; the client reconnects and resumes.
    case shutdown
    /// The client disconnected.
    case clientGone

    /// The final event, written before the stream ends gracefully.
    var finalFrame: [UInt8]? {
        switch self {
        case .authExpired:
            return SSEFrames.control(event: "auth_expired", data: .object(["code": .string(ErrorCode.tokenExpired.rawValue)]))
        case .authRevoked(let code):
            return SSEFrames.control(event: "auth_revoked", data: .object(["code": .string(code)]))
        case .overflow, .shutdown, .clientGone:
            return nil
        }
    }
}
