#if canImport(Glibc)
import Glibc
#endif

/// The service user: who it is, and how to create it. The installer asks through this so tests
/// can install into a scratch root without touching this machine's users.
public protocol SystemAccounts: Sendable {
    /// The user's uid and primary gid, or nil when there is no such user.
    func lookup(user: String) -> (uid: uid_t, gid: gid_t)?
    /// Creates `name` as a system user with its own group, `home` as home (not created) and no
    /// login shell.
    func createSystemUser(_ name: String, home: String) throws
}

/// The accounts of the system under `root`: looked up in `<root>/etc/passwd`, created with
/// shadow's `useradd` (`--root` when `root` is not `/`).
public struct LocalAccounts: SystemAccounts {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func lookup(user: String) -> (uid: uid_t, gid: gid_t)? {
        let path = (root == "/" ? "" : root) + "/etc/passwd"
        guard let text = try? SystemFiles.readText(path) else { return nil }
        return Self.lookup(user: user, inPasswd: text)
    }

    /// The uid and gid of `user` in the text of a passwd file (`name:x:uid:gid:…`).
    static func lookup(user: String, inPasswd text: String) -> (uid: uid_t, gid: gid_t)? {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, fields[0] == user, let uid = uid_t(fields[2]), let gid = gid_t(fields[3]) else { continue }
            return (uid, gid)
        }
        return nil
    }

    public func createSystemUser(_ name: String, home: String) throws {
        var arguments = ["useradd", "--system", "--user-group", "--home-dir", home, "--no-create-home",
                         "--shell", "/usr/sbin/nologin", "--comment", "AppBase server"]
        if root != "/" { arguments += ["--root", root] }
        try CommandRunner.run(arguments + [name])
    }
}
