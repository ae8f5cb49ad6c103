/// The seam for master keys on `GET /metrics`: the platform's master-key store implements it
/// (keys made by `appbase keys create --master`). Until it is wired, only `[metrics] allow`
/// admits a scraper.
public protocol MasterKeyVerifier: Sendable {
    /// True when `key` is a live (not revoked) master key.
    func isValidMasterKey(_ key: String) async -> Bool
}
