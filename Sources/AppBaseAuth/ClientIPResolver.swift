import AppBaseCore
import AppBaseHTTP

/// Decides which address a request comes from: the socket peer, unless the peer is a trusted proxy,
/// in which case `X-Forwarded-For` is walked from the right (the hop the proxy itself appended) past
/// every trusted proxy to the first address that is not one.
///
/// Why from the right: everything left of the last trusted hop was written by the client and can be
/// anything; only entries appended by our own proxies are believable.
struct ClientIPResolver: Sendable {
    private let trusted: [IPAddressRange]

    /// Unparseable entries are skipped here; `AuthSettings.validate()` reports them at start-up.
    init(trustedProxies: [String]) {
        trusted = trustedProxies.compactMap { IPAddressRange(parsing: $0) }
    }

    /// The client address of `request`, in canonical text when it came from `X-Forwarded-For`.
    func clientIP(for request: HTTPRequest) -> String {
        // Fast path, taken by every request when no proxy is configured: no parsing at all.
        guard !trusted.isEmpty, let peer = IPAddress(parsing: request.remoteAddress), isTrusted(peer) else {
            return request.remoteAddress
        }
        var candidate = peer
        let forwarded = request.headers.values("x-forwarded-for")
        for header in forwarded.reversed() {
            for entry in header.split(separator: ",").reversed() {
                guard let address = IPAddress(parsing: entry.trimmingASCIISpaces()) else {
                    // A malformed hop: the proxy that passed it on is the last address we can vouch for.
                    return candidate.text
                }
                candidate = address
                if !isTrusted(address) { return address.text }
            }
        }
        return candidate.text
    }

    /// True when the socket peer is one of the trusted proxies (whose `X-Forwarded-*` may be believed).
    func isTrustedPeer(_ request: HTTPRequest) -> Bool {
        guard !trusted.isEmpty, let peer = IPAddress(parsing: request.remoteAddress) else { return false }
        return isTrusted(peer)
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trusted.contains { $0.contains(address) }
    }
}
