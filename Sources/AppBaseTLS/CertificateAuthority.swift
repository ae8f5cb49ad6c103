import AppBaseCore
import Crypto
import FoundationEssentials
import SwiftASN1
import X509

/// The certificate authority that signs the leaf certificates: the local one AppBase creates
/// on first start (ECDSA P-256, ten years, under `data/tls/`), or an organisation's own
/// (`[tls] ca_cert`/`ca_key`). Immutable; the PEM, DER and fingerprint are computed once.
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let key: Certificate.PrivateKey
    /// The certificate as PEM (what `GET /ca.pem` and `appbase tls export-ca` give).
    public let pem: String
    /// The certificate as DER (`GET /ca.der`).
    public let der: [UInt8]
    /// SHA-256 of the DER, as colon-separated upper-case hex (what browsers and `certutil` show).
    public let sha256Fingerprint: String

    /// Ten years, as the issue asks: long enough that nobody re-trusts a CA on their devices.
    static let lifetimeSeconds: Int64 = 10 * 365 * 86_400 + 2 * 86_400
    /// Where the local CA lives under the data directory.
    public static func directory(dataRoot: String) -> String { dataRoot + "/tls" }

    init(certificate: Certificate, key: Certificate.PrivateKey) throws(TLSError) {
        self.certificate = certificate
        self.key = key
        do {
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            der = serializer.serializedBytes
            pem = try certificate.serializeAsPEM().pemString + "\n"
        } catch {
            throw TLSError("cannot encode the CA certificate: \(error)")
        }
        sha256Fingerprint = SHA256.hash(data: der).map { byte in
            let digits = Array("0123456789ABCDEF".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
        }.joined(separator: ":")
    }

    /// The local CA under `directory` (`ca.pem`, `ca.key` mode `0600`, the directory `0700`),
    /// created on first use.
    public static func loadOrCreate(directory: String, clock: any WallClock) throws(TLSError) -> CertificateAuthority {
        let certificatePath = directory + "/ca.pem"
        let keyPath = directory + "/ca.key"
        try TLSFiles.makePrivateDirectory(directory)
        if TLSFiles.exists(certificatePath) && TLSFiles.exists(keyPath) {
            return try load(certificatePath: certificatePath, keyPath: keyPath)
        }
        let created = try create(now: clock.nowMilliseconds())
        do {
            // The key first: a certificate without its key would be loaded next time and fail.
            try TLSFiles.write(created.key.serializeAsPEM().pemString + "\n", to: keyPath, mode: 0o600)
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError("cannot encode the CA key: \(error)")
        }
        try TLSFiles.write(created.pem, to: certificatePath, mode: 0o600)
        return created
    }

    /// A CA from PEM files (the local one, or an organisation's own).
    public static func load(certificatePath: String, keyPath: String) throws(TLSError) -> CertificateAuthority {
        let certificateText = try TLSFiles.read(certificatePath)
        let keyText = try TLSFiles.read(keyPath)
        let certificate: Certificate
        let key: Certificate.PrivateKey
        do {
            certificate = try Certificate(pemEncoded: certificateText)
        } catch {
            throw TLSError("\(certificatePath) is not a PEM certificate: \(error)")
        }
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyText)
        } catch {
            throw TLSError("\(keyPath) is not a PEM private key (PKCS#8, SEC1 or PKCS#1): \(error)")
        }
        guard key.publicKey == certificate.publicKey else {
            throw TLSError("\(keyPath) is not the key of the certificate in \(certificatePath)")
        }
        guard let constraints = try? certificate.extensions.basicConstraints, case .isCertificateAuthority = constraints else {
            throw TLSError("\(certificatePath) is not a CA certificate (basicConstraints CA:TRUE is missing)")
        }
        return try CertificateAuthority(certificate: certificate, key: key)
    }

    /// A new self-signed CA, valid from an hour before `now` (clients with a clock slightly behind).
    static func create(now: Int64) throws(TLSError) -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        do {
            let name = try DistinguishedName {
                OrganizationName("AppBase")
                CommonName("AppBase local CA \(LeafIssuer.randomLabel())")
            }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey, notValidBefore: LeafIssuer.date(now - 3_600_000),
                notValidAfter: LeafIssuer.date(now + lifetimeSeconds * 1000), issuer: name, subject: name,
                signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(key))
            return try CertificateAuthority(certificate: certificate, key: Certificate.PrivateKey(key))
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError("cannot create the local CA: \(error)")
        }
    }
}
