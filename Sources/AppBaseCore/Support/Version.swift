/// The AppBase release this binary is.
public enum AppBaseVersion {
    public static let current = "0.1.0"
}
