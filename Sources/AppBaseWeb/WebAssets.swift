/// The asset sets compiled into the binary by the `EmbedWebAssets` plugin, one per sub-folder
/// of `Sources/AppBaseWeb/Assets/`. A new folder (say `dashboard`) becomes
/// `EmbeddedWebAssets.dashboard`; name it here to use it.
public enum WebAssets {
    /// The control-plane page served at `/` on the master port.
    public static let control = WebAssetSet(name: "control", embedded: EmbeddedWebAssets.control)
    /// The small UI kit every page shares: base styles and the SSE reader.
    public static let kit = WebAssetSet(name: "kit", embedded: EmbeddedWebAssets.kit)
    /// The JavaScript SDK (`appbase.js`, `appbase.d.ts`) every app serves under `/sdk/`.
    public static let sdk = WebAssetSet(name: "sdk", embedded: EmbeddedWebAssets.sdk)
    /// The app dashboard served at `/dashboard/` on every app's port.
    public static let dashboard = WebAssetSet(name: "dashboard", embedded: EmbeddedWebAssets.dashboard)
    /// The page at `/ca` on the master port: how to trust the server's local CA.
    public static let ca = WebAssetSet(name: "ca", embedded: EmbeddedWebAssets.ca)
    /// The OpenAPI 3.1 documents served at `/openapi.json`: `app.json` on every app, `master.json`
    /// on the control plane (ADR 0038).
    public static let openapi = WebAssetSet(name: "openapi", embedded: EmbeddedWebAssets.openapi)
    /// The API reference page at `/docs` on every port, rendered in the browser from `/openapi.json`.
    public static let docs = WebAssetSet(name: "docs", embedded: EmbeddedWebAssets.docs)
}
