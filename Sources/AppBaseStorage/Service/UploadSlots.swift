import AppBaseCore

/// The uploads streaming right now: how many in all and how many per holder (a user, or the
/// client address of an anonymous upload — `StorageService.uploadSlotHolder`), each bounded.
///
/// A value owned by `StorageActor`'s state. Invariant: `total` is the sum of `perHolder` plus the
/// uploads without a holder (admin key), and a holder with no upload has no entry.
struct UploadSlots: Sendable, Equatable {
    let maxTotal: Int
    let maxPerUser: Int
    private(set) var total = 0
    private(set) var perHolder: [String: Int] = [:]

    init(maxTotal: Int, maxPerUser: Int) {
        self.maxTotal = max(1, maxTotal)
        self.maxPerUser = max(1, min(maxPerUser, maxTotal))
    }

    /// Takes a slot for `holder` (nil: an admin upload with no user, bounded by the total only).
    /// - Throws: 503 `server_busy` (`StorageErrors.userUploadsBusy`) when `holder` already streams
    ///   `maxPerUser` uploads; 503 `server_busy` (`StorageErrors.uploadsBusy`) when the app streams `maxTotal`.
    mutating func admit(_ holder: String?) throws(AppBaseError) {
        // The per-holder bound first: a holder at their own limit is told so even when the app is full too.
        if let holder, perHolder[holder, default: 0] >= maxPerUser { throw StorageErrors.userUploadsBusy }
        guard total < maxTotal else { throw StorageErrors.uploadsBusy }
        total += 1
        if let holder { perHolder[holder, default: 0] += 1 }
    }

    /// Gives back a slot taken by `admit(holder)`.
    mutating func release(_ holder: String?) {
        precondition(total > 0, "release without a matching admit")
        total -= 1
        guard let holder, let held = perHolder[holder] else { return }
        perHolder[holder] = held > 1 ? held - 1 : nil
    }
}
