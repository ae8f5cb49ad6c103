/// The name `ServerState` uses for `HTTPDate.format` (no logic of its own). Kept only so this
/// branch does not touch ServerState.swift while it is being rewritten; delete it once
/// ServerState calls `HTTPDate.format` or `HTTPDate.write(_:into:at:)` directly.
public enum HTTPDateFormatter {
    /// `HTTPDate.format(seconds)`.
    public static func imfFixdate(seconds: Int64) -> String {
        HTTPDate.format(seconds)
    }
}
