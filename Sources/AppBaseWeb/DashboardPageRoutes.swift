import AppBaseHTTP

/// The app dashboard's page: on every app's port at `/dashboard/` (and `/dashboard`, `/dashboard/setup`
/// for the first-run link), its files under `/dashboard/`, the shared UI kit under `/kit/`; on
/// `dashboard.<app>.appbase.local` also at `/`. The page talks to `/dashboard/api/*`, `/admin/*`,
/// `/db/*` and `/storage/*` with its session cookie and CSRF header.
public enum DashboardPageRoutes {
    /// Adds the page's routes to an app's route table.
    public static func register(on routes: inout RouteTable) {
        StaticAssetRoutes(assets: WebAssets.kit, mount: "/kit").register(on: &routes)
        StaticAssetRoutes(assets: WebAssets.dashboard, mount: "/dashboard", indexPaths: ["/dashboard", "/dashboard/setup"])
            .register(on: &routes)
    }

    /// Adds `/` → the page, for the dashboard host (which otherwise serves the same routes as the app).
    public static func registerRoot(on routes: inout RouteTable) {
        guard let page = WebAssets.dashboard["index.html"] else { return }
        routes.addInline(.GET, "/") { request, _ in StaticAssetRoutes.response(for: page, request: request) }
    }
}
