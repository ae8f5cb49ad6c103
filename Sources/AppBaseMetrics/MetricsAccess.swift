import AppBaseCore
import AppBaseHTTP

/// Who may scrape `GET /metrics`: a valid master key (`X-Master-Key: <key>` or
/// `Authorization: Bearer <key>`), or a socket peer inside `[metrics] allow`.
///
/// `X-Forwarded-For` is never consulted: the allow list is about the connection itself.
struct MetricsAccess: Sendable {
    let allow: [IPAddressRange]
    let verifier: (any MasterKeyVerifier)?

    static let unauthorized = ErrorCode("unauthorized")

    /// Returns normally when the request may scrape.
    /// - Throws: 401 `unauthorized` for a wrong key, or for no key from an address outside the
    ///   allow list when master keys are available; 403 `forbidden` for an address outside the
    ///   allow list when they are not.
    func check(_ request: HTTPRequest) async throws(AppBaseError) {
        if let key = Self.presentedKey(request), let verifier {
            guard await verifier.isValidMasterKey(key) else {
                throw AppBaseError.unauthorized(Self.unauthorized, "The master key is not valid.")
            }
            return
        }
        if let peer = IPAddress(parsing: request.remoteAddress), allow.contains(where: { $0.contains(peer) }) { return }
        if verifier != nil {
            throw AppBaseError.unauthorized(Self.unauthorized, "GET /metrics needs a master key (X-Master-Key) from this address.")
        }
        throw AppBaseError.forbidden("This address may not read /metrics; add it to [metrics] allow.")
    }

    /// The key from `X-Master-Key`, else from `Authorization: Bearer`.
    static func presentedKey(_ request: HTTPRequest) -> String? {
        if let key = request.headers["x-master-key"], !key.isEmpty { return key }
        guard let authorization = request.headers["authorization"] else { return nil }
        let scheme = authorization.prefix(7)
        guard scheme.count == 7, scheme.lowercased() == "bearer " else { return nil }
        let key = authorization.dropFirst(7).trimmingASCIISpaces()
        return key.isEmpty ? nil : String(key)
    }
}

