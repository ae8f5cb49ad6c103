import AppBaseCore

/// Which port a scenario's request goes to.
enum ScenarioPort: Sendable, CustomStringConvertible {
    /// The control plane's port, which routes by `Host`.
    case master
    /// An app's own port.
    case app(String)
    /// The port a placeholder holds (e.g. one captured from a control-plane answer).
    case variable(String)

    var description: String {
        switch self {
        case .master: return "master port"
        case .app(let name): return "\(name)'s port"
        case .variable(let name): return "port {{\(name)}}"
        }
    }
}

/// One row of an API scenario table, in the spirit of PocketBase's `tests.ApiScenario`: a request,
/// the response it must get, and the bus events it must cause.
///
/// Strings in `path`, `host`, `headers`, `body`, `expectedContent` and `expectedEvents` may hold
/// `{{name}}` placeholders: the live server's keys and ports (see `LiveServer.variables`) and the
/// values earlier scenarios of the same table captured.
struct APIScenario: Sendable {
    /// What the scenario shows, in words (shown with every failure).
    var name: String
    var port: ScenarioPort = .master
    var method: String = "GET"
    var path: String
    /// The `Host` header; nil sends none.
    var host: String? = "127.0.0.1"
    /// Further request headers, in order.
    var headers: [ScenarioHeader] = []
    /// The request body (sent with a matching `Content-Length`).
    var body: String? = nil
    var expectedStatus: Int
    /// Substrings the response body must contain.
    var expectedContent: [String] = []
    /// Substrings the response body must not contain.
    var notExpectedContent: [String] = []
    /// The watched bus events (audit, app lifecycle) the request must cause, in order.
    var expectedEvents: [ExpectedEvent] = []
    /// Whether other watched events may accompany the expected ones. `.forbidden` (the
    /// default) means: these events and no others.
    var otherEvents: OtherEvents = .forbidden
    /// Values to keep for later scenarios: placeholder name → dotted path into the JSON body
    /// (`user.id`, `accessToken`; a number indexes an array: `items.0.id`).
    var captures: [String: String] = [:]

    /// Whether watched events beyond `expectedEvents` fail the scenario.
    enum OtherEvents: Sendable {
        case forbidden
        case allowed
    }
}

/// One request header of a scenario.
struct ScenarioHeader: Sendable {
    let name: String
    let value: String

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// `X-API-Key: <key>`.
    static func apiKey(_ key: String) -> Self { Self("X-API-Key", key) }
    /// `Authorization: Bearer <token>`.
    static func bearer(_ token: String) -> Self { Self("Authorization", "Bearer \(token)") }
    /// `Content-Type: application/json`.
    static let json = Self("Content-Type", "application/json")
}

/// A watched bus event, reduced to what a scenario states about it.
struct ExpectedEvent: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// `.audit` with this action.
        case audit(String)
        /// `.appLifecycle` with this state.
        case lifecycle(AppLifecycleEvent.State)
    }

    let app: String
    let kind: Kind
    /// The audit event's target; nil: not checked.
    var target: String?
    /// The audit actor's key id; nil: not checked.
    var keyID: String?

    /// An audit event `action` in `app`.
    static func audit(_ action: String, app: String, target: String? = nil, keyID: String? = nil) -> Self {
        Self(app: app, kind: .audit(action), target: target, keyID: keyID)
    }

    /// An app lifecycle event.
    static func lifecycle(_ state: AppLifecycleEvent.State, app: String) -> Self {
        Self(app: app, kind: .lifecycle(state))
    }

    var description: String {
        var text: String
        switch kind {
        case .audit(let action): text = "audit \(action) in \(app)"
        case .lifecycle(let state): text = "\(app) \(state.rawValue)"
        }
        if let target { text += " on \(target)" }
        if let keyID { text += " by key \(keyID)" }
        return text
    }

    /// Whether `observed` (the events a request caused, in order) satisfies `expected`: the
    /// same list, or with `.allowed`, a list that contains the expected events in order.
    static func matches(_ observed: [BusEvent], expected: [ExpectedEvent], others: APIScenario.OtherEvents) -> Bool {
        switch others {
        case .forbidden:
            guard observed.count == expected.count else { return false }
            return zip(observed, expected).allSatisfy { ExpectedEvent(observed: $0, as: $1) == $1 }
        case .allowed:
            var remaining = expected[...]
            for event in observed {
                if let next = remaining.first, ExpectedEvent(observed: event, as: next) == next { remaining.removeFirst() }
            }
            return remaining.isEmpty
        }
    }
}

extension ExpectedEvent {
    /// The observed event in this form, with the facts `expected` checks (nil for an unwatched kind).
    init?(observed event: BusEvent, as expected: ExpectedEvent? = nil) {
        switch event {
        case .audit(let audit):
            self.init(app: audit.app, kind: .audit(audit.action),
                      target: expected?.target == nil ? nil : audit.target,
                      keyID: expected?.keyID == nil ? nil : audit.actor.keyID)
        case .appLifecycle(let lifecycle):
            self.init(app: lifecycle.app, kind: .lifecycle(lifecycle.state))
        case .requestsCompleted, .health:
            return nil
        }
    }
}
