import AppBaseHTTP

/// The JavaScript SDK on every app's port: `GET /sdk/appbase.js` (the ES module) and
/// `GET /sdk/appbase.d.ts` (its declarations), from memory with strong ETags (ADR 0034).
///
/// A LAN web app imports the SDK from the server it talks to, so it needs no npm and no
/// outside network. The app's router adds CORS headers for its `cors_origins`, so a page served
/// from another origin may `import` the module too.
public enum SDKRoutes {
    public static func register(on routes: inout RouteTable) {
        StaticAssetRoutes(assets: WebAssets.sdk, mount: "/sdk").register(on: &routes)
    }
}
