import CTimex

/// Whether the kernel considers its clock synchronised (an NTP client such as
/// systemd-timesyncd or chrony keeps it so): `adjtimex` in read-only mode answers `TIME_ERROR`
/// while it is not.
public enum ClockSynchronisation {
    /// true: synchronised; false: not; nil: the kernel did not say.
    public static func isSynchronised() -> Bool? {
        var status = timex()
        status.modes = 0
        let state = adjtimex(&status)
        guard state >= 0 else { return nil }
        return state != TIME_ERROR
    }
}
