import AppBaseMetrics
import AppBaseSQLite

/// Lets `/metrics` accept a master key: the same check as the control plane's, against
/// `master.sqlite` on each request (a revoked key stops working at once).
struct MasterKeyCheck: MasterKeyVerifier {
    let master: DatabaseWriter

    func isValidMasterKey(_ key: String) async -> Bool {
        (try? await MasterKeyAdministration.isActive(key, in: master)) ?? false
    }
}
