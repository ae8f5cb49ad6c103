import AppBaseCore
import AppBaseHTTP

/// Who may scrape `GET /metrics`: a valid master key (`X-Master-Key: <key>` or
/// `Authorization: Bearer <key>`), or a socket peer inside `[metrics] allow`.
///
/// `X-Forwarded-For` is never consulted: the allow list is about the connection itself.
struct MetricsAccess: Sendable {
    let allow: [IPAddressRange]
    let verifier: (any MasterKeyVerifier)?

    /// Returns normally when the request may scrape.
    /// - Throws: 401 `unauthorized` for a wrong key, or for no key from an address outside the
    ///   allow list when master keys are available; 403 `forbidden` for an address outside the
    ///   allow list when they are not.
    func check(_ request: HTTPRequest) async throws(AppBaseError) {
        if let key = request.presentedMasterKey, let verifier {
            guard await verifier.isValidMasterKey(key) else {
                throw AppBaseError.unauthorized(.unauthorized, "The master key is not valid.")
            }
            return
        }
        if let peer = IPAddress(parsing: request.remoteAddress), allow.contains(where: { $0.contains(peer) }) { return }
        if verifier != nil {
            throw AppBaseError.unauthorized(.unauthorized, "GET /metrics needs a master key (X-Master-Key) from this address.")
        }
        throw AppBaseError.forbidden("This address may not read /metrics; add it to [metrics] allow.")
    }
}

