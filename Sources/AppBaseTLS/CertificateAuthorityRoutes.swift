import AppBaseCore
import AppBaseHTTP
import FoundationEssentials
import X509

/// The CA certificate for devices to trust, on the control plane (plain HTTP too):
/// `/ca/appbase-ca.pem` (PEM, for Linux, macOS, Firefox), `/ca/appbase-ca.crt` (DER, which
/// Windows, iOS and Android open as a certificate to install) and `/ca/info` (JSON with the
/// fingerprint, for the page at `/ca` and for scripts). Public: a CA certificate is no secret.
public enum CertificateAuthorityRoutes {
    public static func register(on routes: inout RouteTable, authority: CertificateAuthority) {
        let pem = Array(authority.pem.utf8)
        let der = authority.der
        let info: JSONValue = [
            "subject": .string(authority.certificate.subject.description),
            "sha256": .string(authority.sha256Fingerprint),
            "notAfter": .string(HTTPDate.format(Int64(authority.certificate.notValidAfter.timeIntervalSince1970))),
            "pem": "/ca/appbase-ca.pem",
            "der": "/ca/appbase-ca.crt",
        ]
        routes.addInline(.GET, "/ca/appbase-ca.pem") { _, _ in
            download(pem, type: "application/x-pem-file", name: "appbase-ca.pem")
        }
        routes.addInline(.GET, "/ca/appbase-ca.crt") { _, _ in
            download(der, type: "application/x-x509-ca-cert", name: "appbase-ca.crt")
        }
        routes.addInline(.GET, "/ca/info") { _, _ in
            .json(200, info, headers: HTTPHeaders("Cache-Control", "no-cache"))
        }
    }

    private static func download(_ bytes: [UInt8], type: String, name: String) -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([
            ("Content-Type", type),
            ("Content-Disposition", "attachment; filename=\"\(name)\""),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
        ]), body: .bytes(bytes))
    }
}
