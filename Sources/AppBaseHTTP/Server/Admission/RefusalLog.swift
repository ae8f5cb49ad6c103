/// Counts connections refused at a cap and summarises them at most once per interval, so an
/// operator sees an attack (how many, which cap, which addresses) without a line per refusal.
struct RefusalLog {
    private let intervalMillis: Int64
    private var windowStart: Int64?
    private var count = 0
    private var byAddress: [String: Int] = [:]
    private var byCap: [String: Int] = [:]
    /// Distinct addresses remembered per window; beyond, refusals are counted but not attributed.
    private static let addressLimit = 1024

    init(intervalMillis: Int64) {
        self.intervalMillis = intervalMillis
    }

    /// Records one refusal at `now` (loop ms).
    mutating func record(address: String, cap: String, now: Int64) {
        if windowStart == nil { windowStart = now }
        count += 1
        byCap[cap, default: 0] += 1
        if byAddress[address] != nil || byAddress.count < Self.addressLimit {
            byAddress[address, default: 0] += 1
        }
    }

    /// The summary line once the interval since the first refusal has passed (then starts a new
    /// window), or nil.
    mutating func summary(now: Int64, top: Int = 5) -> String? {
        guard let start = windowStart, now - start >= intervalMillis else { return nil }
        let caps = byCap.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let addresses = byAddress.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(top).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        let seconds = (now - start + 500) / 1000
        let line = "refused \(count) connections in the last \(seconds) s at connection caps (\(caps)); top addresses: \(addresses)"
        windowStart = nil
        count = 0
        byAddress = [:]
        byCap = [:]
        return line
    }
}
