import AppBaseHTTP

/// The control-plane page on the master port: `index.html` at `/` (and `/control/`), its files
/// under `/control/`, the shared UI kit under `/kit/`. The page itself talks to `/api/*`.
public enum ControlPageRoutes {
    public static func register(on routes: inout RouteTable) {
        StaticAssetRoutes(assets: WebAssets.kit, mount: "/kit").register(on: &routes)
        StaticAssetRoutes(assets: WebAssets.control, mount: "/control", indexPaths: ["/"]).register(on: &routes)
    }
}
