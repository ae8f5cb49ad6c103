import AppBasePlatform
import AppBaseTLS
#if canImport(Glibc)
import Glibc
#endif

extension Doctor {
    /// Secrets are this user's alone: nothing under the data directory (databases with every
    /// app's master secret, the local CA's key) is open to the group or other users, and the
    /// TLS keys the configuration names outside it give other users no access.
    func checkPermissions(_ configuration: ServerConfiguration?, dataDirectoryOwned: Bool, into findings: inout [DoctorFinding]) {
        if dataDirectoryOwned {
            do {
                let loose = try DataDirectory.looseEntries(under: dataDirectory)
                findings.append(Self.dataPermissionsFinding(loose: loose, directory: dataDirectory))
            } catch {
                findings.append(DoctorFinding(check: "permissions", status: .failed, message: "cannot walk \(dataDirectory): \(error)"))
            }
        } else {
            findings.append(DoctorFinding(check: "permissions", status: .skipped,
                                          message: "the data directory is missing or not this user's (see the data_dir check)"))
        }
        guard let tls = configuration?.tls, tls.enabled else { return }
        var keys: [(path: String, key: String)] = []
        if let key = tls.caKeyPath { keys.append((key, "[tls] ca_key")) }
        for (app, files) in tls.appCertificates.sorted(by: { $0.key < $1.key }) { keys.append((files.key, "[tls.apps.\(app)] key")) }
        for (path, key) in keys { findings.append(Self.keyFileFinding(path: path, key: key)) }
    }

    /// Everything under the data directory is `0700`/`0600`, or a list of what is not.
    static func dataPermissionsFinding(loose: [String], directory: String) -> DoctorFinding {
        guard !loose.isEmpty else {
            return DoctorFinding(check: "permissions", status: .ok, message: """
                nothing under \(directory) is open to other users (directories 0700, files 0600)
                """)
        }
        let shown = loose.prefix(3).map { path in "\(path) (0\(String((SystemFiles.status(path)?.st_mode ?? 0) & 0o777, radix: 8)))" }
        let more = loose.count > 3 ? " and \(loose.count - 3) more" : ""
        return DoctorFinding(check: "permissions", status: .failed, message: """
            \(loose.count) entr\(loose.count == 1 ? "y" : "ies") under \(directory) \(loose.count == 1 ? "is" : "are") open to other \
            users, who could read the apps' secrets: \(shown.joined(separator: ", "))\(more)
            """, fix: "chmod -R go-rwx \(directory) (the server also tightens them at its next start)")
    }

    /// A TLS key outside the data directory: readable by its owner (and at most its group), writable by neither group nor others.
    static func keyFileFinding(path: String, key: String) -> DoctorFinding {
        guard let info = SystemFiles.status(path) else {
            return DoctorFinding(check: "permissions", status: .failed, message: "\(path) (\(key)) does not exist",
                                 fix: "put the key there, or correct \(key)")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o027 == 0 else {
            return DoctorFinding(check: "permissions", status: .failed, message: """
                the private key \(path) (\(key)) is open to other users (mode 0\(String(mode, radix: 8)))
                """, fix: "chmod 600 \(path) (or 640 with the server's group owning it)")
        }
        return DoctorFinding(check: "permissions", status: .ok, message: "the private key \(path) (\(key)) is mode 0\(String(mode, radix: 8))")
    }
}
