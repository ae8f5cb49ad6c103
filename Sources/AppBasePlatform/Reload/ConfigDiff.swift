import AppBaseTLS
/// What changed between two loads of `appbase.toml`, as far as a running server can apply it.
///
/// Apps are compared by name: a new name is added, a vanished one removed, one whose table
/// changed is reconfigured (restarted with its new settings). Server-wide sections
/// (`[server]`, `[ports]`, `[limits]`, `[auth]`, `[health]`, `[faults]`, `[tls]`) need a restart:
/// they are listed in `needsRestart` and left as they are.
public struct ConfigDiff: Sendable, Equatable {
    public var added: [AppConfiguration] = []
    public var removed: [String] = []
    public var changed: [AppConfiguration] = []
    /// Sections whose change only takes effect after a restart of the process.
    public var needsRestart: [String] = []

    public init() {}

    /// True when there is nothing to apply and nothing to warn about.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty && needsRestart.isEmpty }

    /// The difference from `old` to `new`.
    public static func between(_ old: ServerConfiguration, _ new: ServerConfiguration) -> ConfigDiff {
        var diff = ConfigDiff()
        let before = Dictionary(old.apps.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Set(new.apps.map(\.name))
        for app in new.apps {
            if let previous = before[app.name] {
                if previous != app { diff.changed.append(app) }
            } else {
                diff.added.append(app)
            }
        }
        diff.removed = old.apps.map(\.name).filter { !after.contains($0) }
        if old.host != new.host || old.port != new.port || old.logFormat != new.logFormat || old.accessLog != new.accessLog {
            diff.needsRestart.append("server")
        }
        if old.portRange != new.portRange { diff.needsRestart.append("ports") }
        if old.limits != new.limits { diff.needsRestart.append("limits") }
        if old.hashThreads != new.hashThreads || old.hashQueue != new.hashQueue { diff.needsRestart.append("auth") }
        if old.health != new.health { diff.needsRestart.append("health") }
        if old.faults != new.faults { diff.needsRestart.append("faults") }
        if old.tls != new.tls { diff.needsRestart.append("tls") }
        return diff
    }
}
