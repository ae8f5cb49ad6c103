import AppBaseCore

extension Doctor {
    /// The clock reads a time after this release was made (and before 2200), and is kept in
    /// time by NTP (a warning when not: certificates, tokens and backups carry times).
    func checkClock(into findings: inout [DoctorFinding]) {
        let now = clock.nowMilliseconds()
        let reading = Timestamp.rfc3339(milliseconds: now)
        let latest = Int64(CivilDate(year: 2200, month: 1, day: 1).daysSinceEpoch) * 86_400_000
        if now < notBeforeMilliseconds || now >= latest {
            let release = Timestamp.rfc3339(milliseconds: notBeforeMilliseconds)
            let problem = now < notBeforeMilliseconds ? "before this release was made (\(release))" : "after 2200"
            return findings.append(DoctorFinding(check: "clock", status: .failed, message: """
                the clock reads \(reading), \(problem): certificates, tokens, sessions and backups would carry wrong times
                """, fix: "set the time (timedatectl set-ntp true, or date -s) and run doctor again"))
        }
        switch clockSynchronised() {
        case false?:
            findings.append(DoctorFinding(check: "clock", status: .warning, message: """
                the clock reads \(reading) but is not synchronised by NTP, so it may drift
                """, fix: "timedatectl set-ntp true (on a LAN without internet, point systemd-timesyncd or chrony at a local time server)"))
        default:
            findings.append(DoctorFinding(check: "clock", status: .ok, message: "the clock reads \(reading)"))
        }
    }
}
