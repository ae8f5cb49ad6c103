import AppBaseCore
import AppBaseTestSupport
import Testing

/// Runs scenario tables against a live server, one request at a time, each on a new loopback
/// connection: sends the request, checks status, body fragments and the bus events it caused,
/// and keeps the values a scenario captures for the ones after it.
struct ScenarioRunner {
    let server: LiveServer
    /// Placeholder values: the server's keys and ports, then whatever scenarios captured.
    private(set) var variables: [String: String]

    init(server: LiveServer) {
        self.server = server
        variables = server.variables
    }

    /// Makes `value` available to later scenarios as `{{name}}`.
    mutating func remember(_ value: String, as name: String) {
        variables[name] = value
    }

    /// Runs `table` in order; a failing row is reported under its name and the next row runs.
    mutating func run(_ table: [APIScenario]) async {
        for scenario in table { await run(scenario) }
    }

    /// Runs one scenario.
    mutating func run(_ scenario: APIScenario) async {
        let name = scenario.name
        let leftovers = await server.events.take()
        #expect(leftovers.isEmpty, "\(name): events published after the previous response: \(leftovers.map(Self.describe))")
        let resolvedPort: Int?
        if case .variable(let variable) = scenario.port {
            resolvedPort = Int(resolve("{{\(variable)}}", for: name))
        } else {
            resolvedPort = server.port(scenario.port)
        }
        guard let port = resolvedPort else {
            Issue.record("\(name): no \(scenario.port)")
            return
        }
        let request = RawRequest.make(
            scenario.method, resolve(scenario.path, for: name), host: scenario.host.map { resolve($0, for: name) },
            headers: scenario.headers.map { ($0.name, resolve($0.value, for: name)) },
            body: scenario.body.map { Array(resolve($0, for: name).utf8) })
        let response: RawHTTPResponse
        do {
            response = try await RawHTTPClient.exchange(port: port, pieces: [request], method: scenario.method)
        } catch {
            Issue.record("\(name): \(scenario.method) \(scenario.path) on the \(scenario.port) failed: \(error)")
            return
        }
        // Captured first: the expected body and events may name what this very response returned.
        capture(scenario.captures, from: response, for: name)

        #expect(response.status == scenario.expectedStatus, "\(name): got \(response.status) \(response.bodyText)")
        let body = response.bodyText
        for fragment in scenario.expectedContent.map({ resolve($0, for: name) }) {
            #expect(body.contains(fragment), "\(name): body lacks \(fragment): \(body)")
        }
        for fragment in scenario.notExpectedContent.map({ resolve($0, for: name) }) {
            #expect(!body.contains(fragment), "\(name): body has \(fragment): \(body)")
        }

        let events = await server.events.take()
        let expected = scenario.expectedEvents.map { event in
            var resolved = event
            resolved.target = event.target.map { resolve($0, for: name) }
            resolved.keyID = event.keyID.map { resolve($0, for: name) }
            return resolved
        }
        // A plain Bool, so a failure shows the readable lists of the comment, not the raw events.
        let eventsMatch = ExpectedEvent.matches(events, expected: expected, others: scenario.otherEvents)
        #expect(eventsMatch, "\(name): expected events \(expected), got \(events.map(Self.describe))")
        // Every audit event names the request that caused it.
        let requestID = response.header("x-request-id")
        for case .audit(let audit) in events {
            #expect(audit.requestID == requestID, "\(name): audit \(audit.action) has request id \(audit.requestID ?? "none")")
        }
    }

    /// Replaces each `{{name}}` in `text` by its value; an unknown name is a test failure.
    func resolve(_ text: String, for scenario: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            result += rest[..<open.lowerBound]
            let key = String(rest[open.upperBound..<close.lowerBound])
            if let value = variables[key] {
                result += value
            } else {
                Issue.record("\(scenario): no value for {{\(key)}}")
                result += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    private mutating func capture(_ captures: [String: String], from response: RawHTTPResponse, for scenario: String) {
        guard !captures.isEmpty else { return }
        let json = response.json
        guard json != .null else {
            Issue.record("\(scenario): cannot capture \(captures.keys.sorted()) from a body that is not JSON: \(response.bodyText)")
            return
        }
        for (key, path) in captures {
            var value: JSONValue? = json
            for member in path.split(separator: ".") {
                // A number indexes an array (`items.0.id`).
                if let index = Int(member), let array = value?.arrayValue {
                    value = array.indices.contains(index) ? array[index] : nil
                } else {
                    value = value?[String(member)]
                }
            }
            if let text = value?.stringValue ?? value?.intValue.map(String.init) {
                variables[key] = text
            } else {
                Issue.record("\(scenario): no string or integer at \(path) to capture as {{\(key)}}")
            }
        }
    }

    /// An event as failure messages show it.
    static func describe(_ event: BusEvent) -> String {
        switch event {
        case .audit(let audit):
            return "audit \(audit.action) in \(audit.app) on \(audit.target ?? "-") by key \(audit.actor.keyID ?? "-")"
        case .appLifecycle(let lifecycle):
            return "\(lifecycle.app) \(lifecycle.state.rawValue)"
        case .requestsCompleted(let summaries):
            return summaries.map { "request \($0.method) \($0.route) \($0.status) in \($0.app)" }.joined(separator: "; ")
        case .health(let report):
            return "health \(report.app) \(report.healthy ? "ok" : "failing")"
        }
    }
}
