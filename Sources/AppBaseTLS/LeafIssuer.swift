import AppBaseCore
import Crypto
import FoundationEssentials
import SwiftASN1
import X509
#if canImport(Glibc)
import Glibc
#endif

/// A certificate chain and its private key, ready for a handshake, with the times that matter.
public struct IssuedIdentity: Sendable {
    /// Leaf first, then any intermediates, as PEM.
    public let chainPEM: String
    /// The leaf's private key, as PEM.
    public let keyPEM: String
    /// The names the leaf covers (DNS names and IP addresses), as configured.
    public let names: [String]
    /// Validity, in milliseconds since the epoch.
    public let notBefore: Int64
    public let notAfter: Int64
    /// When to issue a successor (two thirds into its life); nil for a certificate from files,
    /// which its owner renews.
    public let renewAt: Int64?
}

/// Issues leaf certificates from a CA: ECDSA P-256 keys, `serverAuth`, SANs for every name.
public enum LeafIssuer {
    /// Issues a leaf for `names` valid `days` days from an hour before `now` (milliseconds).
    public static func issue(names: [String], days: Int, authority: CertificateAuthority, now: Int64) throws(TLSError) -> IssuedIdentity {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let notBefore = now - 3_600_000
        let notAfter = now + Int64(days) * 86_400_000
        do {
            let subject = try DistinguishedName {
                OrganizationName("AppBase")
                CommonName(names.first ?? "appbase")
            }
            let alternativeNames = try SubjectAlternativeNames(names.map { try generalName(for: $0) })
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                alternativeNames
                SubjectKeyIdentifier(hash: publicKey)
                if let authorityKey = try? authority.certificate.extensions.subjectKeyIdentifier {
                    AuthorityKeyIdentifier(keyIdentifier: authorityKey.keyIdentifier)
                }
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: date(notBefore), notValidAfter: date(notAfter),
                issuer: authority.certificate.subject, subject: subject,
                signatureAlgorithm: signatureAlgorithm(for: authority.key), extensions: extensions,
                issuerPrivateKey: authority.key)
            let chain = try certificate.serializeAsPEM().pemString + "\n"
            // Renewal at two thirds of the life actually granted.
            let renewAt = now + (notAfter - now) * 2 / 3
            return IssuedIdentity(chainPEM: chain, keyPEM: key.pemRepresentation + "\n", names: names,
                                  notBefore: notBefore, notAfter: notAfter, renewAt: renewAt)
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError("cannot issue a certificate for \(names.joined(separator: ", ")): \(error)")
        }
    }

    /// An IP address literal becomes an `iPAddress` SAN, anything else a `dNSName`.
    static func generalName(for name: String) throws(TLSError) -> GeneralName {
        if let bytes = ipBytes(name) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))) }
        return .dnsName(name)
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 literal, or nil.
    static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// SHA-256 for P-256 and RSA keys, SHA-384 for P-384, SHA-512 for P-521, Ed25519 as itself.
    static func signatureAlgorithm(for key: Certificate.PrivateKey) -> Certificate.SignatureAlgorithm {
        let publicKey = key.publicKey
        if P256.Signing.PublicKey(publicKey) != nil { return .ecdsaWithSHA256 }
        if P384.Signing.PublicKey(publicKey) != nil { return .ecdsaWithSHA384 }
        if P521.Signing.PublicKey(publicKey) != nil { return .ecdsaWithSHA512 }
        if Curve25519.Signing.PublicKey(publicKey) != nil { return .ed25519 }
        return .sha256WithRSAEncryption
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Eight random hex digits, so two installs' CAs are told apart in a trust store.
    static func randomLabel() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(UInt32.random(in: .min ... .max, using: &generator), radix: 16, uppercase: true)
    }
}
