import AppBaseHTTP

/// The API reference on every port: `GET /openapi.json` (an OpenAPI 3.1 document of the port's
/// routes) and `GET /docs` (a page that renders it, with its files under `/docs/`).
///
/// The documents are assets (`Assets/openapi/app.json`, `master.json`), kept beside the routes
/// and embedded like every page, so they are served from memory with a build-time strong ETag.
/// They cannot drift silently: a test compares each with the routes an assembled app and the
/// master register (ADR 0038).
public enum APIDocumentRoutes {
    /// Which document a port serves.
    public enum Document: String, Sendable {
        /// An app's API: auth, `/db`, `/storage`, `/admin`, the dashboard's API, the SDK.
        case app
        /// The control plane on the master port: `/api/*`, `/metrics`, the control page.
        case master

        /// The embedded asset holding the document.
        public var asset: WebAsset? { WebAssets.openapi["\(rawValue).json"] }
    }

    /// Adds `/openapi.json` (the document) and `/docs` (the reference page and its files).
    public static func register(on routes: inout RouteTable, document: Document) {
        if let asset = document.asset {
            routes.addInline(.GET, "/openapi.json") { request, _ in StaticAssetRoutes.response(for: asset, request: request) }
        }
        StaticAssetRoutes(assets: WebAssets.docs, mount: "/docs", indexPaths: ["/docs"]).register(on: &routes)
    }
}
