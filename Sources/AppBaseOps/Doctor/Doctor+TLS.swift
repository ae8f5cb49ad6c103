import AppBaseCore
import AppBasePlatform
import AppBaseTLS
import Foundation
import SwiftASN1
import X509

extension Doctor {
    /// With TLS on: the CA (the local one under `data/tls/`, or `[tls] ca_cert`/`ca_key`) loads,
    /// its key matches, and the clock is inside its validity (a warning within 30 days of the
    /// end); each app's own certificate (`[tls.apps.<name>] cert`) likewise.
    func checkTLS(_ configuration: ServerConfiguration?, into findings: inout [DoctorFinding]) {
        guard let configuration else { return findings.append(Self.needsConfiguration("tls")) }
        let settings = configuration.tls
        guard settings.enabled else {
            return findings.append(DoctorFinding(check: "tls", status: .skipped, message: "TLS is off ([tls] enabled = false)"))
        }
        let now = clock.nowMilliseconds()
        if let certificate = settings.caCertificatePath, let key = settings.caKeyPath {
            findings.append(Self.authorityFinding(certificate: certificate, key: key, now: now, local: false))
        } else {
            let directory = CertificateAuthority.directory(dataRoot: dataDirectory)
            let certificate = directory + "/ca.pem", key = directory + "/ca.key"
            if SystemFiles.status(certificate) == nil || SystemFiles.status(key) == nil {
                findings.append(DoctorFinding(check: "tls", status: .ok, message: """
                    TLS is on; the local CA does not exist yet and is created at the server's first start (\(directory))
                    """))
            } else {
                findings.append(Self.authorityFinding(certificate: certificate, key: key, now: now, local: true))
            }
        }
        for (app, files) in settings.appCertificates.sorted(by: { $0.key < $1.key }) {
            findings.append(Self.appCertificateFinding(app: app, path: files.certificate, now: now))
        }
    }

    /// The CA loads (certificate and key match) and is valid now.
    static func authorityFinding(certificate: String, key: String, now: Int64, local: Bool) -> DoctorFinding {
        let authority: CertificateAuthority
        do {
            authority = try CertificateAuthority.load(certificatePath: certificate, keyPath: key)
        } catch {
            return DoctorFinding(check: "tls", status: .failed, message: "the CA does not load: \(error)", fix: local
                ? "move \(certificate) and \(key) away; the server creates a new CA at its next start (devices must trust it again)"
                : "check [tls] ca_cert and ca_key: a PEM certificate with CA:TRUE and its matching key")
        }
        let renew = local
            ? "move the data directory's tls/ folder away and restart: a new CA is made (every device must trust it again)"
            : "give [tls] ca_cert/ca_key a current CA"
        return validityFinding(of: authority.certificate, named: "the CA certificate \(certificate)", now: now, renew: renew)
    }

    /// An app's own certificate (the first of its chain) parses and is valid now.
    static func appCertificateFinding(app: String, path: String, now: Int64) -> DoctorFinding {
        do {
            guard let text = try SystemFiles.readText(path) else {
                return DoctorFinding(check: "tls", status: .failed, message: "\(path) ([tls.apps.\(app)] cert) does not exist",
                                     fix: "put the app's certificate chain there, or remove [tls.apps.\(app)]")
            }
            guard let first = try PEMDocument.parseMultiple(pemString: text).first else {
                throw SystemFiles.Failure("find a certificate in", path, code: EINVAL)
            }
            return validityFinding(of: try Certificate(pemDocument: first), named: "app \(app)'s certificate \(path)", now: now,
                                   renew: "renew it and restart the app")
        } catch {
            return DoctorFinding(check: "tls", status: .failed, message: "\(path) ([tls.apps.\(app)] cert) is not a PEM certificate: \(error)",
                                 fix: "put the app's PEM certificate chain (leaf first) there")
        }
    }

    /// Failed outside `notValidBefore…notValidAfter`, a warning within 30 days of the end.
    static func validityFinding(of certificate: Certificate, named name: String, now: Int64, renew: String) -> DoctorFinding {
        let start = Int64(certificate.notValidBefore.timeIntervalSince1970 * 1000)
        let end = Int64(certificate.notValidAfter.timeIntervalSince1970 * 1000)
        let until = Timestamp.rfc3339(milliseconds: end)
        if now < start {
            return DoctorFinding(check: "tls", status: .failed, message: """
                \(name) is not valid until \(Timestamp.rfc3339(milliseconds: start)): the clock is behind, or the certificate is from the future
                """, fix: "set the clock right (timedatectl set-ntp true)")
        }
        if now >= end {
            return DoctorFinding(check: "tls", status: .failed, message: "\(name) expired at \(until)", fix: renew)
        }
        if end - now < 30 * 86_400_000 {
            return DoctorFinding(check: "tls", status: .warning, message: "\(name) expires at \(until), in less than 30 days", fix: renew)
        }
        return DoctorFinding(check: "tls", status: .ok, message: "\(name) is valid until \(until)")
    }
}
