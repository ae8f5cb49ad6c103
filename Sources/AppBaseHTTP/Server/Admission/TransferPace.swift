/// The slowest a transfer may flow: at least `bytesPerSecond` averaged over each window of
/// `windowMillis`. A window in which the transfer could not move (the server was not reading)
/// is not held against the client: the caller restarts it.
struct TransferPace: Sendable {
    /// One window of measurement.
    struct Window {
        var start: Int64
        var bytes: Int64
    }

    let bytesPerSecond: Int64
    let windowMillis: Int64

    init(limits: HTTPLimits) {
        bytesPerSecond = Int64(limits.minimumTransferRate)
        windowMillis = limits.minimumRateWindowMillis
    }

    /// False when a whole window has passed with fewer bytes than the rate asks; otherwise true,
    /// starting the next window when this one is over.
    func allows(_ window: inout Window, now: Int64) -> Bool {
        guard bytesPerSecond > 0, now - window.start >= windowMillis else { return true }
        let required = bytesPerSecond * (now - window.start) / 1000
        guard window.bytes >= required else { return false }
        window = Window(start: now, bytes: 0)
        return true
    }
}
