import AppBaseCore
import OrderedCollections

/// One result of `appbase doctor`: which check, how it went, what it found in plain words, and
/// what to do about it.
public struct DoctorFinding: Sendable, Equatable {
    /// How a check went. Only `failed` makes the doctor exit non-zero: a `warning` is worth
    /// reading but does not stop a deployment, and `skipped` says why a check could not apply.
    public enum Status: String, Sendable, Equatable {
        case ok
        case warning
        case failed
        case skipped
    }

    /// A stable name (`config`, `data_dir`, `durability`, `disk_space`, `permissions`, `ports`,
    /// `mdns`, `clock`, `tls`), for scripts reading `--json`.
    public let check: String
    public let status: Status
    /// What was found, in a sentence.
    public let message: String
    /// What to do about it; nil when nothing needs doing.
    public let fix: String?

    public init(check: String, status: Status, message: String, fix: String? = nil) {
        self.check = check
        self.status = status
        self.message = message
        self.fix = fix
    }

    /// The finding as `{"check", "status", "message", "fix"?}`.
    public var json: JSONValue {
        var members: OrderedDictionary<String, JSONValue> = [
            "check": .string(check), "status": .string(status.rawValue), "message": .string(message),
        ]
        if let fix { members["fix"] = .string(fix) }
        return .object(members)
    }
}
