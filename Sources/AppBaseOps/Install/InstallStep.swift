/// One thing `appbase install` does, or finds already done. A plan is a list of these, computed
/// by looking at the target system first; `--dry-run` prints it and stops.
public enum InstallStep: Sendable, Equatable {
    /// `useradd --system` the service user, home the data directory, no login shell.
    case createUser(name: String, home: String)
    /// Copy the running binary to `to` (new, or different from what is there).
    case installBinary(from: String, to: String)
    /// Write the production configuration (only ever where no file is).
    case writeConfiguration(path: String)
    /// Write the unit (new, or different from ours: local changes belong in a drop-in).
    case writeUnit(path: String)
    /// Create the data directory `0700`, owned by the service user, or correct its owner and mode.
    case prepareStateDirectory(path: String, user: String)
    /// `systemctl daemon-reload`, after the unit changed on a running systemd.
    case reloadSystemd
    /// `systemctl enable appbase.service` and `systemctl restart appbase.service` (`--start`).
    case enableAndRestart
    /// Already in place: what and why nothing is done.
    case unchanged(String)

    /// Whether the step changes the system.
    public var changesSomething: Bool {
        if case .unchanged = self { return false }
        return true
    }

    /// One line for the plan and the log.
    public var description: String {
        switch self {
        case .createUser(let name, let home): "create the system user \(name) (home \(home), no login shell)"
        case .installBinary(let from, let to): "copy \(from) to \(to) (mode 0755)"
        case .writeConfiguration(let path): "write the production configuration to \(path) (mode 0644)"
        case .writeUnit(let path): "write the systemd unit \(path) (mode 0644)"
        case .prepareStateDirectory(let path, let user): "make \(path) the data directory: owned by \(user), mode 0700"
        case .reloadSystemd: "systemctl daemon-reload"
        case .enableAndRestart: "systemctl enable appbase.service; systemctl restart appbase.service"
        case .unchanged(let what): "unchanged: \(what)"
        }
    }
}
