/// The headers that keep served bytes from being run as something else: one home for stored
/// files (AppBaseStorage downloads) and apps' static sites (AppBasePlatform).
public enum SafeContentHeaders {
    /// Browsers must use the declared `Content-Type`, never sniff one.
    public static let noSniff: (String, String) = ("X-Content-Type-Options", "nosniff")
    /// For user uploads: never active content on our origin (no scripts, no plugins, no forms).
    public static let downloadPolicy = "sandbox; default-src 'none'"
    /// For an app's own static site: its scripts, styles and requests to its own origin only;
    /// no plugins, no framing by other sites, no `<base>` rewriting.
    public static let sitePolicy = "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"

    /// `sitePolicy`, plus requests to the app's own API host (`api.<app>.appbase.local`, any
    /// port, over https only): a site exists to call its app's API, and over HTTPS that is a
    /// different origin (issue 16).
    public static func sitePolicy(apiHost: String) -> String {
        "\(sitePolicy); connect-src 'self' https://\(apiHost):*"
    }
}
